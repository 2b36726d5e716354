import Foundation
@testable import GizmoLua
import GizmoTestFixtures
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `gz.read_file` and `gz.write_file`, on a data folder of the test's own.
struct DataFolderTests {
    let scripts = TemporaryFolder()
    let data = TemporaryFolder()
    let folder: DataFolder

    init() {
        scripts.write("mod/notes.txt", "from the script's folder")
        scripts.write("outside.txt", "not the script's")
        folder = DataFolder(script: Script(displayPath: "mod/s.lua", directory: scripts.url.appendingPathComponent("mod"), source: ""),
                            base: data.url)
        try! FileManager.default.createDirectory(at: folder.root, withIntermediateDirectories: true)
    }

    func names(in url: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
    }

    // MARK: read_file

    @Test func readsTheScriptsFolderAndTheDataFolder() throws {
        #expect(try folder.read("notes.txt").get() == Array("from the script's folder".utf8))
        #expect(folder.write(Array("saved".utf8), to: folder.root.appendingPathComponent("state.json").path) == nil)
        #expect(try folder.read(folder.root.appendingPathComponent("state.json").path).get() == Array("saved".utf8))
    }

    @Test func aFileOutsideOrALinkOutIsRefused() throws {
        #expect(folder.read("../outside.txt").failureMessage?.contains("is outside the data folder and the script's folder") == true)
        scripts.link("mod/link.txt", to: "../outside.txt")
        #expect(folder.read("link.txt").failureMessage?.contains("is outside") == true)
        #expect(folder.read("missing.txt").failureMessage == "gz.read_file: no file missing.txt")
        scripts.write("mod/sub/x.txt", "x")
        #expect(folder.read("sub").failureMessage == "gz.read_file: sub is not a file")
    }

    /// The size is checked before reading: a sparse file of 2 GiB costs nothing to refuse.
    @Test func aFileOverTheLimitIsRefusedWithoutBeingRead() throws {
        let big = scripts.url.appendingPathComponent("mod/big.log").path
        #expect(FileManager.default.createFile(atPath: big, contents: nil))
        #expect(truncate(big, off_t(DataFolder.readLimit + 1)) == 0)
        let message = try #require(folder.read("big.log").failureMessage)
        #expect(message == "gz.read_file: big.log holds 16.0 MiB; gz.read_file reads files up to 16 MiB. Serve a large file with add_content, or read a smaller one")
        #expect(truncate(big, 2 << 30) == 0)
        #expect(folder.read("big.log").failureMessage?.contains("holds 2048.0 MiB") == true)
        #expect(truncate(big, off_t(DataFolder.readLimit)) == 0)
        #expect(try folder.read("big.log").get().count == DataFolder.readLimit)
    }

    // MARK: write_file

    @Test func aWriteReplacesTheFileAndLeavesNothingBeside() throws {
        let file = folder.root.appendingPathComponent("state.json").path
        #expect(folder.write(Array("one".utf8), to: file) == nil)
        #expect(folder.write(Array("two".utf8), to: file) == nil)
        #expect(FileManager.default.contents(atPath: file) == Data("two".utf8))
        #expect(names(in: folder.root) == ["state.json"])
        #expect(folder.write(Array("x".utf8), to: scripts.url.appendingPathComponent("outside.txt").path)?
            .contains("is outside the data folder") == true)
    }

    @Test func theTemporaryFileIsNamedAfterItsTargetAndItsProcess() {
        let name = DataFolder.temporaryName(for: "state.json")
        #expect(name.hasPrefix(".state.json.gizmo-tmp-\(getpid())-"))
        #expect(DataFolder.writer(ofTemporary: name) == getpid())
        #expect(DataFolder.writer(ofTemporary: "state.json") == nil)
        #expect(DataFolder.writer(ofTemporary: ".a.gizmo-tmp-12-xyz") == nil)
    }

    /// What a kill during a write leaves is removed when a process first uses
    /// the folder: files of processes that are gone, or that had this
    /// process's PID; not those of a live process, nor anything else.
    @Test func staleTemporaryFilesAreRemovedOnFirstUse() throws {
        let data = TemporaryFolder()
        let folder = DataFolder(script: Script(displayPath: "m/s.lua", directory: URL(fileURLWithPath: "/tmp/m"), source: ""),
                                base: data.url)
        let gone = ".notes.json.gizmo-tmp-\(Int32.max - 1)-1f"  // above any pid_max
        let mine = ".notes.json.gizmo-tmp-\(getpid())-2e"
        let live = ".notes.json.gizmo-tmp-1-3d"  // init, alive
        for name in [gone, mine, live, "notes.json", ".hidden", "sub/\(gone)"] {
            data.write("m/\(name)", "x")
        }
        #expect(folder.write(Array("new".utf8), to: folder.root.appendingPathComponent("notes.json").path) == nil)
        #expect(names(in: folder.root) == [live, ".hidden", "notes.json", "sub"].sorted())
        #expect(names(in: folder.root.appendingPathComponent("sub")) == [])
        // Once per process: a later file of this PID is a write in progress, and stays.
        data.write("m/\(mine)", "x")
        #expect(folder.write(Array("again".utf8), to: folder.root.appendingPathComponent("notes.json").path) == nil)
        #expect(names(in: folder.root).contains(mine))
    }
}

extension Result where Failure == DataFolder.Failure {
    var failureMessage: String? {
        if case .failure(let failure) = self { return failure.message }
        return nil
    }
}
