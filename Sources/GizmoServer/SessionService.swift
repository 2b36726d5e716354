import Foundation
import Logging
import ServiceLifecycle

/// Ends every session when the server begins a graceful shutdown, so that
/// pages are told the server is going away and their sockets close before
/// the HTTP server waits for its connections.
///
/// List it after the application in the service group: services stop in
/// reverse order.
///
/// With `exitDeadline`, the process exits that long after shutdown began even
/// if the HTTP server is still waiting: a browser's pre-connected socket that
/// never sent a request is not closed by Hummingbird's quiesce (its HTTP
/// handler is only installed with the first request), and would otherwise
/// keep the server, and `gizmolua run`, alive until the browser drops it.
/// A page whose session was mid-turn is the same: its reader waits for the
/// turn (or runs it, on its event loop), so its connection closes only once the turn returns
/// (seconds, or never for a stuck one); with such pages the process exits
/// ``midTurnExitDelay`` after ending the sessions, time enough for the
/// event loops to send each page its `close`. Nothing here awaits a VM.
public struct SessionService: Service {
    let registry: SessionRegistry
    let exitDeadline: Duration?
    let logger: Logger

    public init(registry: SessionRegistry, exitDeadline: Duration? = nil, logger: Logger) {
        self.registry = registry
        self.exitDeadline = exitDeadline
        self.logger = logger
    }

    static let midTurnExitDelay: Duration = .milliseconds(300)

    public func run() async throws {
        try? await gracefulShutdown()
        registry.endAll(reason: "the server is stopping")
        guard var exitDeadline else { return }
        let midTurn = registry.midTurnCount
        if midTurn > 0 { exitDeadline = min(exitDeadline, Self.midTurnExitDelay) }
        let logger = self.logger
        Task.detached {
            try await Task.sleep(for: exitDeadline)
            if midTurn > 0 {
                logger.info("\(midTurn) sessions were mid-turn when the server stopped; exiting without waiting for their turns")
            } else {
                logger.debug("idle connections still open \(exitDeadline) after shutdown began; exiting")
            }
            exit(0)
        }
    }
}
