import ArgumentParser
import Foundation
import GizmoLua
import GizmoServer

/// `gizmolua new NAME [--in DIR]`: a module to start from, with its test.
struct NewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Make a new gizmo module: a working script, its test and editor settings.",
        discussion: """
        Makes DIR/NAME/ with init.lua (the module's description, and a service example
        commented out), NAME.lua (a button that counts), NAME_test.lua (its tests, for
        `gizmolua test`) and .luarc.json (so an editor running LuaLS completes the API).
        NAME may hold letters, digits, _, - and . (at most 100), may not start with ., - or _,
        and may not be init or end in _test. Nothing is ever overwritten: DIR/NAME must not
        exist, or be an empty folder.
        """
    )

    @Argument(help: "The module's name, also its script's.")
    var name: String

    @Option(name: .customLong("in"), help: "The folder to make the module in (default: this folder).")
    var folder: String = "."

    func run() throws {
        let library = EditorLibrary.locate(binary: EditorLibrary.runningBinary)
        let module: ModuleTemplate
        do {
            module = try ModuleTemplate(name: name, library: library)
            try module.make(in: URL(fileURLWithPath: folder), displayFolder: folder)
        } catch {
            throw Terminal.fail(error.message)
        }
        let display = ShellWord.quoted(ModuleTemplate.join(folder, name))
        Terminal.out("gizmolua: made the module \(name) in \(display)/:")
        let width = module.files.map(\.name.count).max() ?? 0
        for file in module.files {
            Terminal.out("  " + file.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + file.purpose)
        }
        Terminal.out("Next:")
        Terminal.out("  gizmolua run \(ShellWord.quoted(ModuleTemplate.join(ModuleTemplate.join(folder, name), "\(name).lua")))")
        Terminal.out("  gizmolua test \(display)")
    }
}
