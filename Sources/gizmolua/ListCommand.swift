import ArgumentParser
import Foundation
import GizmoServer

/// `gizmolua list DIR [MODULE]`: the catalog as lines that can be pasted.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the gizmo modules of a folder, or the scripts of one module.",
        discussion: """
        Each line is a command to paste (`gizmolua list DIR MODULE`, `gizmolua run DIR/MODULE/SCRIPT.lua`)
        followed by the doc's first paragraph as a shell comment. Docs are read, never run.
        """
    )

    @Argument(help: "A folder of gizmo modules, as given to `gizmolua serve`.")
    var folder: String

    @Argument(help: "A module of that folder: list its scripts with their docs.")
    var module: String?

    func run() throws {
        let listing: Catalog.Listing
        do {
            listing = try Catalog(folders: [folder]).scan()
        } catch {
            throw Terminal.fail(error.message)
        }
        listing.notes.forEach(Terminal.error)
        guard let name = module else {
            if listing.modules.isEmpty { Terminal.out("# no gizmo scripts in \(folder)") }
            let commands = listing.modules.map { "gizmolua list \(Self.shellWord(folder)) \(Self.shellWord($0.name))" }
            for (command, module) in zip(commands, listing.modules) {
                Terminal.out(Self.line(command, comment: module.description.summary, width: commands.map(\.count).max() ?? 0))
            }
            return
        }
        guard let module = listing.module(named: name) else {
            let known = listing.modules.map(\.name).joined(separator: ", ")
            throw Terminal.fail("gizmolua: \(folder) has no module named \(name)" + (known.isEmpty ? "" : " (modules: \(known))"))
        }
        for paragraph in module.description.paragraphs { Terminal.out("# \(paragraph)") }
        let commands = module.scripts.map { "gizmolua run \(Self.shellWord($0.displayPath))" }
        for (command, script) in zip(commands, module.scripts) {
            let comment = script.syntaxError.map { "BROKEN: \($0)" } ?? script.doc.summary
            Terminal.out(Self.line(command, comment: comment, width: commands.map(\.count).max() ?? 0))
        }
    }

    private static func line(_ command: String, comment: String, width: Int) -> String {
        guard !comment.isEmpty else { return command }
        return command.padding(toLength: width, withPad: " ", startingAt: 0) + "  # " + comment
    }

    static func shellWord(_ text: String) -> String { ShellWord.quoted(text) }
}
