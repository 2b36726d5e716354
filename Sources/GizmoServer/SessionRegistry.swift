import Foundation
import GizmoLua
import Logging
import Synchronization

/// Every live session of this server, by id.
public final class SessionRegistry: Sendable {
    public struct Configuration: Sendable {
        public var limits: SessionLimits
        /// Seconds a session outlives its page (a reload comes back within it).
        public var grace: Double
        /// Seconds a new session waits for its first page; nil: forever.
        public var firstPageTimeout: Double?

        public init(limits: SessionLimits = .init(), grace: Double = 5, firstPageTimeout: Double? = 60) {
            self.limits = limits
            self.grace = grace
            self.firstPageTimeout = firstPageTimeout
        }
    }

    private let sessions = Mutex<[SessionID: Session]>([:])
    private let configuration: Configuration
    private let logger: Logger
    private let onSessionEnded: @Sendable (Session) -> Void

    public init(configuration: Configuration = .init(), logger: Logger,
                onSessionEnded: @escaping @Sendable (Session) -> Void = { _ in }) {
        self.configuration = configuration
        self.logger = logger
        self.onSessionEnded = onSessionEnded
    }

    /// Starts a session of `script`: runs its main chunk and registers it.
    /// - Throws: ``ScriptError`` when the script does not compile.
    public func start(_ script: Script) async throws(ScriptError) -> (Session, GizmoVM.BootResult) {
        let session = Session(
            id: .make(), script: script, limits: configuration.limits,
            lifecycle: SessionLifecycle(grace: configuration.grace, firstPageTimeout: configuration.firstPageTimeout),
            logger: logger
        ) { [weak self] ended in
            self?.sessions.withLock { _ = $0.removeValue(forKey: ended.id) }
            self?.onSessionEnded(ended)
            ProcessMemory.trimSoon()
        }
        sessions.withLock { $0[session.id] = session }
        do {
            let result = try await session.start()
            logger.debug("session started", metadata: ["session": "\(session.id)", "script": "\(script.displayPath)"])
            return (session, result)
        } catch {
            session.discard()
            throw error
        }
    }

    public func session(_ id: SessionID) -> Session? {
        sessions.withLock { $0[id] }
    }

    public var count: Int { sessions.withLock { $0.count } }

    /// The files every session depends on.
    var allDependencies: Set<String> {
        sessions.withLock { Array($0.values) }.reduce(into: []) { $0.formUnion($1.dependencies) }
    }

    /// Reloads every session that depends on one of the changed files.
    /// - Returns: how many sessions reload.
    @discardableResult
    public func reload(changed: Set<String>) -> Int {
        let affected = sessions.withLock { Array($0.values) }.filter { !$0.dependencies.isDisjoint(with: changed) }
        for session in affected {
            session.reload(changed: changed.intersection(session.dependencies))
        }
        return affected.count
    }

    /// Ends every session (the server is stopping).
    public func endAll(reason: String) {
        for session in sessions.withLock({ Array($0.values) }) { session.end(reason: reason) }
    }
}
