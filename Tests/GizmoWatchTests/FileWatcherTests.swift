import Foundation
@testable import GizmoWatch
import GizmoTestFixtures
import Testing

/// The watcher behind hot reload, on real files. Every wait is for an event,
/// with a generous deadline, never for a time: under load a save may arrive
/// in more than one burst, so these collect bursts until the expected paths
/// have been seen (how bursts are coalesced is ChangeBurstTests' subject).
@Suite(.timeLimit(.minutes(2)))
struct FileWatcherTests {
    /// Every path reported until `seen` holds, or nil when it does not hold within `seconds`.
    func changes(_ watcher: FileWatcher, within seconds: Double = 30,
                 until seen: @escaping @Sendable (Set<String>) -> Bool) async -> Set<String>? {
        await withTaskGroup(of: Set<String>?.self) { group in
            group.addTask {
                var all: Set<String> = []
                for await burst in watcher.changes {
                    all.formUnion(burst)
                    if seen(all) { return all }
                }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(seconds))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    func setUp() throws -> (TemporaryFolder, FileWatcher, String) {
        let folder = TemporaryFolder()
        folder.write("mod/hello.lua", "-- v1\n")
        let watcher = try FileWatcher()
        try watcher.watch(tree: folder.url)
        return (folder, watcher, folder.url.standardizedFileURL.path)
    }

    @Test func aRenameOverSaveIsSeenAsAChangeOfTheFile() async throws {
        let (folder, watcher, root) = try setUp()
        defer { watcher.stop() }
        // What vim and VS Code do: write a temporary file, rename it over the original.
        let temporary = folder.write("mod/.hello.lua.swp", "-- v2\n")
        try FileManager.default.removeItem(at: folder.url.appendingPathComponent("mod/hello.lua"))
        try FileManager.default.moveItem(at: temporary, to: folder.url.appendingPathComponent("mod/hello.lua"))
        #expect(await changes(watcher) { $0.contains("\(root)/mod/hello.lua") } != nil)
    }

    @Test func writesAreReportedAsTheFileTheyChanged() async throws {
        let (folder, watcher, root) = try setUp()
        defer { watcher.stop() }
        for i in 0..<20 { folder.write("mod/hello.lua", "-- v\(i)\n") }
        let seen = try #require(await changes(watcher) { $0.contains("\(root)/mod/hello.lua") })
        #expect(seen == ["\(root)/mod/hello.lua"])
    }

    @Test func newFilesAndFoldersAndDeletionsAreSeen() async throws {
        let (folder, watcher, root) = try setUp()
        defer { watcher.stop() }
        folder.write("mod/new.lua", "-- new\n")
        #expect(await changes(watcher) { $0.contains("\(root)/mod/new.lua") } != nil)

        try FileManager.default.removeItem(at: folder.url.appendingPathComponent("mod/new.lua"))
        #expect(await changes(watcher) { $0.contains("\(root)/mod/new.lua") } != nil)

        // A new module folder, and a file made in it before or after its watch
        // existed: both are seen, the folder is watched from then on.
        folder.write("other/first.lua", "-- first\n")
        #expect(await changes(watcher) { $0.contains("\(root)/other/first.lua") } != nil)
        folder.write("other/second.lua", "-- second\n")
        #expect(await changes(watcher) { $0.contains("\(root)/other/second.lua") } != nil)
    }

    @Test func aFolderThatCannotBeWatchedIsAnError() throws {
        let watcher = try FileWatcher()
        defer { watcher.stop() }
        #expect(throws: WatchError.self) { try watcher.watch(tree: URL(fileURLWithPath: "/no/such/folder")) }
    }

    /// `ln -s . again` and `ln -s ../.. up` in a served folder: each folder is
    /// watched once, the walk ends, and changes are still seen.
    @Test func aSymlinkLoopIsWatchedOnceAndEnds() async throws {
        let folder = TemporaryFolder()
        folder.write("mod/deep/er/hello.lua", "-- v1\n")
        folder.link("again", to: ".")
        folder.link("mod/deep/er/up", to: "../..")
        folder.link("mod/self", to: "self")
        let watcher = try FileWatcher()
        defer { watcher.stop() }
        let root = folder.url.standardizedFileURL.path
        let watched = Task.detached { try watcher.watch(tree: folder.url) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await watched.value }
            group.addTask {
                try await Task.sleep(for: .seconds(30))
                throw WatchError(message: "watching a tree with symlink loops did not end")
            }
            try await group.next()
            group.cancelAll()
        }
        #expect(watcher.folderCount == 4)  // root, mod, mod/deep, mod/deep/er
        folder.write("mod/deep/er/hello.lua", "-- v2\n")
        #expect(await changes(watcher) { $0.contains("\(root)/mod/deep/er/hello.lua") } != nil)
    }

    /// A log's writer keeps its file open: with `writes`, each write is
    /// seen, not only the close (gz.tail's watcher).
    @Test func writesToAnOpenFileAreSeenWhenAsked() async throws {
        let folder = TemporaryFolder()
        let file = folder.write("app.log", "")
        let watcher = try FileWatcher(quiet: .zero, longest: .zero, writes: true)
        defer { watcher.stop() }
        try watcher.watch(folder: folder.url)
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        try handle.write(contentsOf: Data("line\n".utf8))
        let root = folder.url.standardizedFileURL.path
        #expect(await changes(watcher) { $0.contains("\(root)/app.log") } != nil)
    }

    @Test func anUnwatchedFolderIsNoLongerWatched() throws {
        let folder = TemporaryFolder()
        folder.write("a/x.log", "")
        folder.write("b/y.log", "")
        let watcher = try FileWatcher()
        defer { watcher.stop() }
        try watcher.watch(folder: folder.url.appendingPathComponent("a"))
        try watcher.watch(folder: folder.url.appendingPathComponent("b"))
        #expect(watcher.folderCount == 2)
        watcher.unwatch(folder: folder.url.appendingPathComponent("a"))
        #expect(watcher.folderCount == 1)
        watcher.unwatch(folder: folder.url.appendingPathComponent("nowhere"))
        #expect(watcher.folderCount == 1)
        // Watched again after it was let go.
        try watcher.watch(folder: folder.url.appendingPathComponent("a"))
        #expect(watcher.folderCount == 2)
    }

    /// A folder deleted, and a new one made at once: the file system may
    /// give the new one the old one's inode before the watcher has read that
    /// the old one is gone. The new folder is watched all the same.
    @Test func aNewFolderIsWatchedEvenWithADeletedFoldersInode() async throws {
        let folder = TemporaryFolder()
        let watcher = try FileWatcher(quiet: .zero, longest: .zero, writes: true)
        defer { watcher.stop() }
        for round in 0..<20 {
            let old = folder.url.appendingPathComponent("old\(round)")
            try FileManager.default.createDirectory(at: old, withIntermediateDirectories: true)
            try watcher.watch(folder: old)
            try FileManager.default.removeItem(at: old)
            let new = folder.url.appendingPathComponent("new\(round)")
            try FileManager.default.createDirectory(at: new, withIntermediateDirectories: true)
            try watcher.watch(folder: new)
            folder.write("new\(round)/x.log", "x\n")
            let path = new.standardizedFileURL.path + "/x.log"
            #expect(await changes(watcher) { $0.contains(path) } != nil)
        }
    }
}
