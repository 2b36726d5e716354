import Foundation
import GizmoLua
@testable import GizmoServer
import Logging
import Testing

/// `--max-sessions`: launches at the same moment cannot pass it together
/// (the count was once read before a session was added, and 4 launches at
/// once against a limit of 12 started 13).
struct SessionRegistryLimitTests {
    @Test func launchesAtOnceNeverPassTheLimit() async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let registry = SessionRegistry(configuration: .init(grace: 60, firstPageTimeout: nil), logger: logger)
        let script = Script(displayPath: "counter.lua", directory: FileManager.default.temporaryDirectory,
                            source: GizmoApplicationTests.counter)
        let started = try await withThrowingTaskGroup(of: Session?.self) { group in
            for _ in 0..<40 { group.addTask { try await registry.start(script, atMost: 5)?.0 } }
            var started: [Session] = []
            for try await session in group { if let session { started.append(session) } }
            return started
        }
        #expect(started.count == 5)
        #expect(registry.count == 5)
        // Room again once one has ended.
        started[0].end()
        #expect(try await registry.start(script, atMost: 5) != nil)
        #expect(try await registry.start(script, atMost: 5) == nil)
        registry.endAll(reason: "test over")
    }
}
