import Foundation
import GizmoLua
@testable import GizmoServer
import GizmoTestFixtures
import Hummingbird
import HummingbirdTesting
import HummingbirdWSClient
import HummingbirdWSTesting
import Logging
import Synchronization
import Testing

/// The watchdog ends a session whose turn runs past its CPU limit and grace
/// (a turn the count hook cannot stop), and the session counts against
/// `--max-sessions` until that turn returns.
struct TurnWatchdogTests {
    /// Makes a session's turns stick, from the moment it is told to, until released.
    final class Stick: Sendable {
        let armed = Atomic<Bool>(false)
        let release = DispatchSemaphore(value: 0)
        /// The kind of turn that sticks: a page's message, or a timer.
        let kind: String

        init(kind: String = "frame") {
            self.kind = kind
        }

        func beforeTurn(_ kind: String) {
            if kind == self.kind && armed.load(ordering: .sequentiallyConsistent) { release.wait() }
        }
    }

    let logger: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }()

    /// A registry whose sessions' turns stick once `stick` is armed.
    func registry(cpuSeconds: Double, stick: Stick) -> SessionRegistry {
        var configuration = SessionRegistry.Configuration(limits: SessionLimits(cpuSeconds: cpuSeconds), grace: 5, firstPageTimeout: nil)
        configuration.beforeTurn = { stick.beforeTurn($0) }
        return SessionRegistry(configuration: configuration, logger: logger)
    }

    /// A child page asked for while a turn of its session runs (a timer
    /// that may spin for seconds) is served at once, without its first
    /// paint (the page renders over its socket), not once the turn ends.
    @Test func aChildPageDoesNotWaitForARunningTurn() async throws {
        let stick = Stick(kind: "timer")
        let registry = registry(cpuSeconds: 30, stick: stick)
        defer { stick.release.signal() }
        let folder = TemporaryFolder()
        let file = folder.write("mod/ticks.lua", "local gz = require('gizmo')\ngz.Text('here'):show()\ngz.after(0.05, function() end)\n")
        stick.armed.store(true, ordering: .sequentiallyConsistent)
        let (session, _) = try await registry.start(try Script(contentsOf: file.path))
        for _ in 0..<3000 where session.vm.turnStart == nil { try await Task.sleep(for: .milliseconds(10)) }
        #expect(session.vm.turnStart != nil, "the timer's turn runs")
        let app = GizmoApplication.build(registry: registry, host: "127.0.0.1", port: 0, logger: logger)
        // A page that waited for the turn gets it only once this lets it go.
        let letGo = Task {
            try await Task.sleep(for: .seconds(20))
            stick.release.signal()
        }
        try await app.test(.router) { client in
            let page = try await client.execute(uri: "/gizmo/http/\(session.id)/index.html", method: .get) { String(buffer: $0.body) }
            #expect(page.contains(#"id="gz-root""#))
            #expect(!page.contains(#"id="gz-first""#))
        }
        #expect(session.vm.turnStart != nil, "the turn was still running")
        letGo.cancel()
    }

    @Test func aStuckSessionIsEndedAndCountsUntilItsTurnReturns() async throws {
        let stick = Stick()
        let registry = registry(cpuSeconds: 0.2, stick: stick)
        let folder = TemporaryFolder()
        let file = folder.write("mod/stuck.lua", "local gz = require('gizmo')\ngz.Text('here'):show()\n")
        let (session, _) = try await registry.start(try Script(contentsOf: file.path))
        let entry = EntryPoints(catalog: try Catalog(folders: [folder.path]), registry: registry, maxSessions: 1, logger: logger)
        let app = GizmoApplication.build(registry: registry, host: "127.0.0.1", port: 0, entryPoints: entry, logger: logger)

        try await app.test(.live) { client in
            try await client.ws("/gizmo/ws/\(session.id)") { inbound, outbound, _ in
                var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                try await outbound.write(.text(#"{"t":"hello","v":1}"#))
                #expect(try GizmoApplicationTests.commands(await messages.next()).first?["op"] as? String == "render")

                stick.armed.store(true, ordering: .sequentiallyConsistent)
                session.vm.offLoopUntil.store(.max, ordering: .relaxed) // a stuck turn holds its queue, not a loop
                try await outbound.write(.text(#"{"t":"hello","v":1}"#))
                // The page is told, though its session's thread is stuck.
                let close = try GizmoApplicationTests.commands(await messages.next())
                #expect(close.last?["op"] as? String == "close")
                #expect((close.last?["msg"] as? String)?.contains("did not stop at its CPU limit (0.2 s) and was ended") == true)
                #expect(close.last?["again"] == nil, "a session ended for a reason of its own is not started again by its page")
                #expect(registry.session(session.id) == nil)
                #expect(registry.count == 1 && registry.stuckCount == 1)
                #expect(session.vm.turnStart != nil, "the turn is still stuck")
            }
            // It still takes its place under --max-sessions.
            let full = try await client.execute(uri: "/?module=mod&script=stuck", method: .get) { $0.status }
            #expect(full == .serviceUnavailable)

            stick.release.signal()
            #expect(try await eventually { registry.count == 0 })
            #expect(registry.stuckCount == 0)
            let started = try await client.execute(uri: "/?module=mod&script=stuck", method: .get) { $0.status }
            #expect(started == .seeOther)
        }
    }

    @Test func aSessionEndedMidTurnCountsUntilTheTurnReturns() async throws {
        let stick = Stick()
        let registry = registry(cpuSeconds: 30, stick: stick)
        let (session, _) = try await registry.start(Script(displayPath: "busy.lua", directory: URL(filePath: "/tmp"),
                                                           source: "require('gizmo').Text('busy'):show()"))
        stick.armed.store(true, ordering: .sequentiallyConsistent)
        session.vm.offLoopUntil.store(.max, ordering: .relaxed) // stuck on its queue, not on the caller's thread
        let turn = Task { await session.receive(#"{"t":"hello","v":2,"p":"stuck-page"}"#, from: 1) }
        #expect(try await eventually { session.vm.turnStart != nil })

        // The server stopping ends it at once, awaiting nothing.
        registry.endAll(reason: "the server is stopping")
        #expect(registry.session(session.id) == nil)
        #expect(registry.count == 1 && registry.midTurnCount == 1 && registry.stuckCount == 0)

        stick.release.signal()
        await turn.value
        #expect(try await eventually { registry.count == 0 })
    }
}
