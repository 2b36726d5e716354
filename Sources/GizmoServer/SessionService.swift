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
public struct SessionService: Service {
    let registry: SessionRegistry
    let exitDeadline: Duration?
    let logger: Logger

    public init(registry: SessionRegistry, exitDeadline: Duration? = nil, logger: Logger) {
        self.registry = registry
        self.exitDeadline = exitDeadline
        self.logger = logger
    }

    public func run() async throws {
        try? await gracefulShutdown()
        registry.endAll(reason: "the server is stopping")
        guard let exitDeadline else { return }
        let logger = self.logger
        Task.detached {
            try await Task.sleep(for: exitDeadline)
            logger.debug("idle connections still open \(exitDeadline) after shutdown began; exiting")
            exit(0)
        }
    }
}
