import Foundation
import GizmoStore
import GizmoTestFixtures
import Testing

/// The store under a crowd of writers; run on their own by `make test`
/// (Tests/GizmoLuaTests/StoreLoadTests.swift says why).
struct StoreLoadTests {
    /// 100 writers, 100 increments each, through compare-and-set: none lost.
    /// On PostgreSQL the writers are split over two replicas' connections.
    @Test(arguments: Backend.available) func concurrentIncrementsLoseNothing(_ backend: Backend) async throws {
        let fixture = StoreFixture(backend)
        defer { fixture.close() }
        let replicas = backend == .postgres ? [try fixture.open(), try fixture.open()] : [try fixture.open()]
        await withTaskGroup(of: Void.self) { group in
            for writer in 0..<100 {
                let store = replicas[writer % replicas.count]
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
        for store in replicas { #expect(try store.get("count").json == "10000") }
    }
}
