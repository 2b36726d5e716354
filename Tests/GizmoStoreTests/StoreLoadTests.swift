import Foundation
import GizmoStore
import GizmoTestFixtures
import Testing

/// The store under a crowd of writers; run on their own by `make test`
/// (Tests/GizmoLuaTests/StoreLoadTests.swift says why).
struct StoreLoadTests {
    let folder = TemporaryFolder()

    func open() throws -> ModuleStore {
        ModuleStore(backend: try SQLiteStore(path: folder.url.appendingPathComponent("store.sqlite").path), limits: .init())
    }

    /// 100 writers, 100 increments each, through compare-and-set: none lost.
    @Test func concurrentIncrementsLoseNothing() async throws {
        let store = try open()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<100 {
                group.addTask {
                    for _ in 0..<100 {
                        while true {
                            let entry = try! store.get("count")
                            let n = Int(entry.json ?? "0")!
                            let outcome = try! store.set("count", json: "\(n + 1)", ifVersion: entry.version)
                            await Task.yield() // a writer that lost its race lets the others run (two threads)
                            if outcome != .conflict { break }
                        }
                    }
                }
            }
        }
        #expect(try store.get("count").json == "10000")
    }
}
