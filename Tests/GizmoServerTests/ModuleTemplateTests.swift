import Foundation
import GizmoLua
@testable import GizmoServer
import GizmoTestFixtures
import Logging
import Testing

/// `gizmolua new`: the name check, the files, and the refusal to overwrite.
struct ModuleTemplateTests {
    let library = URL(fileURLWithPath: "/opt/gizmo lib/lua")

    @Test(arguments: ["counter", "my-gizmo", "job_monitor", "v2.board", "A1"])
    func namesTheCatalogTakesAreAccepted(name: String) {
        #expect(ModuleTemplate.problem(with: name) == nil)
    }

    @Test(arguments: ["", ".hidden", "-flag", "_helper", "init", "counter_test", "two words", "a/b", "../up",
                      "caf\u{E9}", String(repeating: "x", count: 101)])
    func otherNamesAreRefusedSayingWhatIsAllowed(name: String) {
        let problem = ModuleTemplate.problem(with: name)
        #expect(problem?.contains("letters, digits, _, - and .") == true)
        #expect(throws: ScriptError.self) { try ModuleTemplate(name: name, library: nil) }
    }

    @Test func aNewModuleHoldsItsFourFilesAndTheCatalogReadsThem() throws {
        let folder = TemporaryFolder()
        let made = try ModuleTemplate(name: "counter", library: library).make(in: folder.url, displayFolder: folder.path)
        #expect(made.path == folder.url.appendingPathComponent("counter").path)
        let names = try FileManager.default.contentsOfDirectory(atPath: made.path).sorted()
        #expect(names == [".luarc.json", "counter.lua", "counter_test.lua", "init.lua"])

        let listing = try Catalog(folders: [folder.path]).scan()
        let module = try #require(listing.module(named: "counter"))
        #expect(module.description.summary == "counter: a module of gizmo scripts.")
        let script = try #require(module.script(named: "counter"))
        #expect(script.doc.summary == "A button that counts its clicks.")
        #expect(script.syntaxError == nil)
        let test = try Script(contentsOf: made.appendingPathComponent("counter_test.lua").path)
        #expect(test.syntaxError == nil)
        #expect(test.source.contains("require(\"gizmo.test\")"))
        #expect(test.source.contains("t.open(\"counter.lua\")"))

        let settings = try JSONSerialization.jsonObject(
            with: Data(contentsOf: made.appendingPathComponent(".luarc.json"))) as? [String: Any]
        #expect(settings?["runtime.version"] as? String == "Lua 5.4")
        #expect(settings?["workspace.library"] as? [String] == ["/opt/gizmo lib/lua"])
    }

    @Test func withoutALibraryTheEditorSettingsNameNone() throws {
        let template = try ModuleTemplate(name: "counter", library: nil)
        let text = try #require(template.files.first { $0.name == ".luarc.json" }?.text)
        #expect(!text.contains("workspace.library"))
        #expect(text.contains("Lua 5.4"))
    }

    @Test func theScriptRunsAndItsServiceExampleIsOnlyAComment() async throws {
        let folder = TemporaryFolder()
        let made = try ModuleTemplate(name: "counter", library: nil).make(in: folder.url, displayFolder: folder.path)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let registry = SessionRegistry(configuration: .init(grace: 60, firstPageTimeout: nil), logger: logger)
        let (session, boot) = try await registry.start(try Script(contentsOf: made.appendingPathComponent("counter.lua").path))
        #expect(boot.error == nil)
        session.discard()
        let service = try Script(contentsOf: made.appendingPathComponent("init.lua").path)
        #expect(service.syntaxError == nil)
        let code = service.source.split(separator: "\n").filter { !$0.hasPrefix("--") && !$0.allSatisfy(\.isWhitespace) }
        #expect(code.isEmpty, "init.lua runs nothing until its example is uncommented: \(code)")
    }

    @Test func anExistingModuleIsNeverOverwritten() throws {
        let folder = TemporaryFolder()
        folder.write("counter/counter.lua", "-- mine\n")
        #expect {
            try ModuleTemplate(name: "counter", library: nil).make(in: folder.url, displayFolder: "here")
        } throws: { error in
            (error as? ScriptError)?.message == "gizmolua: here/counter already exists; nothing was changed (choose another name, or --in another folder)"
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.appendingPathComponent("counter").path) == ["counter.lua"])
        #expect(try String(contentsOf: folder.url.appendingPathComponent("counter/counter.lua"), encoding: .utf8) == "-- mine\n")
    }

    @Test func aFileOrLinkInTheWayIsNeverWrittenThrough() throws {
        let folder = TemporaryFolder()
        folder.write("counter", "a file")
        #expect(throws: ScriptError.self) {
            try ModuleTemplate(name: "counter", library: nil).make(in: folder.url, displayFolder: ".")
        }
        #expect(try String(contentsOf: folder.url.appendingPathComponent("counter"), encoding: .utf8) == "a file")

        folder.write("elsewhere/keep.txt", "kept")
        folder.link("linked", to: "elsewhere")
        #expect(throws: ScriptError.self) {
            try ModuleTemplate(name: "linked", library: nil).make(in: folder.url, displayFolder: ".")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.appendingPathComponent("elsewhere").path) == ["keep.txt"])
    }

    @Test func anEmptyFolderOfThatNameIsFilledAndAMissingParentIsAnError() throws {
        let folder = TemporaryFolder()
        try FileManager.default.createDirectory(at: folder.url.appendingPathComponent("counter"), withIntermediateDirectories: false)
        try ModuleTemplate(name: "counter", library: nil).make(in: folder.url, displayFolder: ".")
        #expect(FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("counter/counter_test.lua").path))

        #expect {
            try ModuleTemplate(name: "counter", library: nil).make(in: folder.url.appendingPathComponent("nowhere"), displayFolder: "nowhere")
        } throws: { error in
            (error as? ScriptError)?.message == "gizmolua: nowhere: no such folder (make it first, or leave out --in)"
        }
    }

    @Test func theEditorLibraryBesideTheBinaryComesBeforeTheSourceTree() throws {
        let folder = TemporaryFolder()
        folder.write("prefix/share/gizmolua/lua/gizmo.lua", "-- installed\n")
        folder.write("prefix/bin/gizmolua", "")
        folder.write("tree/Sources/GizmoLua/Resources/gizmo.lua", "-- source\n")
        let binary = folder.url.appendingPathComponent("prefix/bin/gizmolua")
        let tree = folder.url.appendingPathComponent("tree")
        #expect(EditorLibrary.locate(binary: binary, sourceTree: tree)?.path
            == folder.url.appendingPathComponent("prefix/share/gizmolua/lua").standardizedFileURL.path)
        let elsewhere = folder.url.appendingPathComponent("tree/.build/debug/gizmolua")
        #expect(EditorLibrary.locate(binary: elsewhere, sourceTree: tree)?.path
            == tree.appendingPathComponent("Sources/GizmoLua/Resources").standardizedFileURL.path)
        #expect(EditorLibrary.locate(binary: elsewhere, sourceTree: folder.url.appendingPathComponent("gone")) == nil)
        // This build's own source tree holds the library.
        #expect(EditorLibrary.locate(binary: nil) != nil)
    }
}
