import Foundation
import GizmoLua
@testable import GizmoServer
import GizmoTestFixtures
import Testing

/// What `serve` and `list` find in folders.
struct CatalogTests {
    func demoFolder() -> TemporaryFolder {
        let folder = TemporaryFolder()
        folder.write("demos/init.lua", "-- Demos of things.\n-- Two lines.\nreturn {}\n")
        folder.write("demos/hello.lua", "-- Says hello.\nlocal gz = require('gizmo')\n")
        folder.write("demos/broken.lua", "-- Broken on purpose.\nlocal = 1\n")
        folder.write("demos/_helper.lua", "return {}\n")
        folder.write("demos/notes.txt", "not a script")
        folder.write("other/zeta.lua", "print('no doc')\n")
        folder.write("empty/README", "no scripts here")
        folder.write(".hidden/secret.lua", "-- hidden\n")
        folder.write("bad name/x.lua", "-- skipped module\n")
        return folder
    }

    @Test func subFoldersWithScriptsAreModules() throws {
        let folder = demoFolder()
        let listing = try Catalog(folders: [folder.path]).scan()
        #expect(listing.modules.map(\.name) == ["demos", "other"])
        let demos = try #require(listing.module(named: "demos"))
        #expect(demos.description.summary == "Demos of things. Two lines.")
        #expect(demos.scripts.map(\.name) == ["broken", "hello"])
        let hello = try #require(demos.script(named: "hello"))
        #expect(hello.doc.summary == "Says hello.")
        #expect(!hello.isBroken)
        #expect(hello.displayPath == "\(folder.path)/demos/hello.lua")
        let broken = try #require(demos.script(named: "broken"))
        #expect(broken.syntaxError?.contains("broken.lua:2:") == true)
        #expect(listing.notes.contains { $0.contains("bad name") })
        #expect(listing.module(named: "empty") == nil)
    }

    @Test func aFolderWithScriptsAtItsTopIsAModule() throws {
        let folder = demoFolder()
        let listing = try Catalog(folders: [folder.path + "/demos/"]).scan()
        #expect(listing.modules.map(\.name) == ["demos"])
        #expect(listing.modules[0].scripts.first?.displayPath == "\(folder.path)/demos/broken.lua")
    }

    /// A gizmo's tests sit beside its scripts; they are run by `gizmolua
    /// test`, never listed or served as gizmos.
    @Test func testFilesAreNotScripts() throws {
        let folder = TemporaryFolder()
        _ = folder.write("tally/tally.lua", "local gz = require('gizmo')")
        _ = folder.write("tally/tally_test.lua", "local t = require('gizmo.test')")
        let listing = try Catalog(folders: [folder.url.path]).scan()
        #expect(listing.module(named: "tally")?.scripts.map(\.file.lastPathComponent) == ["tally.lua"])
    }

    /// The catalog reads one level of folders, so a loop cannot hold it; a
    /// link back to a served folder would only list its scripts twice.
    @Test func aSymlinkLoopIsSkippedWithANote() throws {
        let folder = TemporaryFolder()
        folder.write("top.lua", "-- At the top.\n")
        folder.write("mod/hello.lua", "-- Says hello.\n")
        folder.link("again", to: ".")
        folder.link("mod/loop", to: "..")
        folder.link("self", to: "self")
        let listing = try Catalog(folders: [folder.path]).scan()
        #expect(listing.modules.map(\.name).sorted() == ["mod", folder.url.lastPathComponent].sorted())
        #expect(listing.notes.contains { $0.contains("again: skipped; it is a link to") })
    }

    @Test func eachScanSeesChangedAndNewFiles() throws {
        let folder = demoFolder()
        let catalog = try Catalog(folders: [folder.path])
        #expect(try catalog.scan().module(named: "demos")?.script(named: "broken")?.isBroken == true)
        folder.write("demos/broken.lua", "-- Fixed now, and longer than before.\nlocal x = 1\n")
        folder.write("demos/new.lua", "-- New.\n")
        let demos = try #require(try catalog.scan().module(named: "demos"))
        #expect(demos.script(named: "broken")?.isBroken == false)
        #expect(demos.script(named: "broken")?.doc.summary == "Fixed now, and longer than before.")
        #expect(demos.script(named: "new") != nil)
        try FileManager.default.removeItem(at: folder.url.appendingPathComponent("demos/new.lua"))
        #expect(try catalog.scan().module(named: "demos")?.script(named: "new") == nil)
    }

    @Test func badFoldersAreClearErrors() throws {
        let folder = demoFolder()
        #expect(throws: ScriptError.self) { try Catalog(folders: [folder.path + "/missing"]) }
        do {
            _ = try Catalog(folders: [folder.path + "/demos/hello.lua"])
            Issue.record("a file is not a folder")
        } catch {
            #expect(error.message.contains("is a file"))
        }
        do {
            _ = try Catalog(folders: [folder.path, folder.path + "/demos"]).scan()
            Issue.record("two modules named demos")
        } catch {
            #expect(error.message.contains("two modules are named demos"))
        }
    }

    /// A launch reads its one script alone; whatever it finds so is what a
    /// scan lists, and whatever a scan would not serve it leaves to the scan.
    @Test func aScriptFoundAloneIsTheOneAScanLists() throws {
        let folder = demoFolder()
        folder.write("demos/demo_test.lua", "-- a test\n")
        folder.write("demos/x.lua/inner.lua", "-- a folder named like a script\n")
        folder.link("again", to: ".")
        folder.link("demos/linked.lua", to: "hello.lua")
        let layouts = [[folder.path], [folder.path + "/demos/"], [folder.path + "/demos", folder.path + "/other"],
                       [folder.path, folder.path + "/demos"]]
        for roots in layouts {
            let catalog = try Catalog(folders: roots)
            // Two modules named demos: the scan fails, and launches of the
            // others still find their scripts; the demos' ones are below.
            guard let listed = (try? catalog.scan())?.modules else { continue }
            for module in ["demos", "other", "empty", ".hidden", "bad name", "again", "..", folder.url.lastPathComponent] {
                for name in ["hello", "broken", "zeta", "init", "_helper", "demo_test", "x", "linked", "notes", "secret",
                             "../other/zeta", "missing"] {
                    let alone = catalog.script(name, inModule: module)
                    let inScan = listed.first { $0.name == module }?.script(named: name)
                    // Alone finds nothing a scan does not list, and what it finds is the same.
                    if let alone { #expect(alone == inScan, "\(roots) \(module)/\(name)") }
                }
            }
        }
        let catalog = try Catalog(folders: [folder.path])
        #expect(catalog.script("hello", inModule: "demos")?.doc.summary == "Says hello.")
        #expect(catalog.script("broken", inModule: "demos")?.isBroken == true)
        #expect(catalog.script("zeta", inModule: "other") != nil)
        // Two folders could be the module: the scan says which is wrong.
        #expect(try Catalog(folders: [folder.path, folder.path + "/demos"]).script("hello", inModule: "demos") == nil)
    }

    @Test func namesPeopleCanTypeAreValid() {
        for name in ["hello", "hello_curves", "some-gizmo", "v1.2", "A9"] { #expect(Catalog.isValidName(name)) }
        for name in ["", ".hidden", "-x", "a/b", "..", "a b", "<b>", "a\"b", "é"] { #expect(!Catalog.isValidName(name)) }
    }
}
