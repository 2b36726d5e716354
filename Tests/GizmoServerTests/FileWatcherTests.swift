import Foundation
@testable import GizmoServer
import GizmoTestFixtures
import Testing

/// The watcher behind hot reload: one burst of changes per save, however the
/// editor saves.
struct FileWatcherTests {
    /// The next burst, or nil when none comes within `seconds`.
    func nextBurst(_ watcher: FileWatcher, within seconds: Double = 3) async -> Set<String>? {
        await withTaskGroup(of: Set<String>?.self) { group in
            group.addTask {
                var iterator = watcher.changes.makeAsyncIterator()
                return await iterator.next()
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

    @Test func aRenameOverSaveIsOneBurstNamingTheFile() async throws {
        let (folder, watcher, root) = try setUp()
        defer { watcher.stop() }
        // What vim and VS Code do: write a temporary file, rename it over the original.
        let temporary = folder.write("mod/.hello.lua.swp", "-- v2\n")
        try FileManager.default.removeItem(at: folder.url.appendingPathComponent("mod/hello.lua"))
        try FileManager.default.moveItem(at: temporary, to: folder.url.appendingPathComponent("mod/hello.lua"))
        let burst = try #require(await nextBurst(watcher))
        #expect(burst.contains("\(root)/mod/hello.lua"))
        #expect(await nextBurst(watcher, within: 0.4) == nil, "one save must be one burst")
    }

    @Test func aBurstOfWritesIsCoalesced() async throws {
        let (folder, watcher, root) = try setUp()
        defer { watcher.stop() }
        for i in 0..<20 { folder.write("mod/hello.lua", "-- v\(i)\n") }
        let burst = try #require(await nextBurst(watcher))
        #expect(burst == ["\(root)/mod/hello.lua"])
        #expect(await nextBurst(watcher, within: 0.4) == nil)
    }

    @Test func newFilesAndFoldersAndDeletionsAreSeen() async throws {
        let (folder, watcher, root) = try setUp()
        defer { watcher.stop() }
        folder.write("mod/new.lua", "-- new\n")
        #expect(try #require(await nextBurst(watcher)).contains("\(root)/mod/new.lua"))

        try FileManager.default.removeItem(at: folder.url.appendingPathComponent("mod/new.lua"))
        #expect(try #require(await nextBurst(watcher)).contains("\(root)/mod/new.lua"))

        // A new module folder is watched from then on.
        folder.write("other/first.lua", "-- first\n")
        #expect(try #require(await nextBurst(watcher)).contains("\(root)/other"))
        try await Task.sleep(for: .milliseconds(50))
        folder.write("other/second.lua", "-- second\n")
        #expect(try #require(await nextBurst(watcher)).contains("\(root)/other/second.lua"))
    }

    @Test func aFolderThatCannotBeWatchedIsAnError() throws {
        let watcher = try FileWatcher()
        defer { watcher.stop() }
        #expect(throws: WatchError.self) { try watcher.watch(tree: URL(fileURLWithPath: "/no/such/folder")) }
    }
}
