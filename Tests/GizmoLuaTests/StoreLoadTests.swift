import Foundation
import GizmoLua
import GizmoStore
import GizmoTestFixtures
import Testing

/// The store under a crowd. `make test` runs these on their own, after the
/// other unit tests, so their hundreds of sessions never starve another
/// test's deadline.
struct StoreLoadTests {
    let folder = TemporaryFolder()

    var stores: StoreDirectory { folder.storeDirectory() }

    /// The bar: 100 sessions, 100 `gz.store.update` increments each (one per
    /// turn, as clicks would come), all at once; none lost.
    @Test func concurrentUpdatesFromManySessionsLoseNothing() async throws {
        let stores = self.stores
        let sessions = try await withThrowingTaskGroup(of: VMHarness.self) { group in
            for _ in 0..<100 {
                group.addTask {
                    try await VMHarness("""
                        local gz = require("gizmo")
                        for _ = 1, 100 do
                            gz.store.update("count", function(n) return (n or 0) + 1 end)
                            gz.sleep(0)
                        end
                        gz.store.update("finished", function(n) return (n or 0) + 1 end)
                        """, stores: stores)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(sessions.allSatisfy { $0.boot.error == nil })
        let store = try stores.store(in: folder.url)
        #expect(try await eventually(seconds: 120) { (try? store.get("finished").json) == "100" })
        #expect(try store.get("count").json == "10000")
        #expect(sessions.allSatisfy { $0.take().allSatisfy { $0.op != "error" } })
    }
}
