import GizmoGrants
import Foundation
import GizmoLua
import GizmoStore
import Logging
import Synchronization

/// Every live session of this server, by id, and the watchdog of their turns.
///
/// The watchdog looks every 250 ms for a turn still running one second past
/// its CPU limit (stuck in C, or in a host call, where the count hook cannot
/// stop it) and ends its session. A thread cannot be killed: the session,
/// ended, still counts against `--max-sessions` until its turn returns.
public final class SessionRegistry: Sendable {
    public struct Configuration: Sendable {
        public var limits: SessionLimits
        /// Seconds a session outlives its page (a reload comes back within it).
        public var grace: Double
        /// Seconds a new session waits for its first page; nil: forever.
        public var firstPageTimeout: Double?
        /// The modules' stores (gz.store); nil: scripts have none.
        public var stores: StoreDirectory?

        /// Tests only: runs at the start of each turn of every session (a
        /// test makes a turn stick with it).
        var beforeTurn: (@Sendable (String) -> Void)?

        public init(limits: SessionLimits = .init(), grace: Double = 5, firstPageTimeout: Double? = 60,
                    stores: StoreDirectory? = nil) {
            self.limits = limits
            self.stores = stores
            self.grace = grace
            self.firstPageTimeout = firstPageTimeout
        }
    }

    /// Seconds past its CPU limit a turn may still run before the watchdog
    /// ends its session.
    static let watchdogGrace = 1.0
    static let watchdogPeriod: Duration = .milliseconds(250)

    /// A session that ended while its VM was mid-turn, until that turn returns.
    private struct UnfinishedTurn {
        let session: Session
        let vm: GizmoVM
        let started: UInt64
        /// The watchdog gave up on it (it ran past its limit and grace).
        var stuck: Bool
    }

    private let sessions = Mutex<[SessionID: Session]>([:])
    /// Ended sessions whose turn still runs, by VM.
    private let unfinished = Mutex<[ObjectIdentifier: UnfinishedTurn]>([:])
    private let configuration: Configuration
    /// What the sessions' scripts may reach beyond their folders (the entry page shows it).
    public var grants: Grants { configuration.limits.grants }
    private let logger: Logger
    private let onSessionEnded: @Sendable (Session) -> Void

    public init(configuration: Configuration = .init(), logger: Logger,
                onSessionEnded: @escaping @Sendable (Session) -> Void = { _ in }) {
        self.configuration = configuration
        self.logger = logger
        self.onSessionEnded = onSessionEnded
        Task.detached { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.watchdogPeriod)
                guard let self else { return }
                self.watchTurns()
            }
        }
    }

    /// Starts a session of `script`: runs its main chunk and registers it.
    /// - Throws: ``ScriptError`` when the script does not compile.
    public func start(_ script: Script) async throws(ScriptError) -> (Session, GizmoVM.BootResult) {
        guard let started = try await start(script, atMost: .max) else { preconditionFailure("no room under Int.max sessions") }
        return started
    }

    /// Starts a session of `script` when fewer than `limit` count (``count``);
    /// nil when there are as many. The count and the new session are taken
    /// under one lock, so launches at the same moment cannot pass the limit together.
    /// - Throws: ``ScriptError`` when the script does not compile.
    public func start(_ script: Script, atMost limit: Int) async throws(ScriptError) -> (Session, GizmoVM.BootResult)? {
        guard let session = admit(script, atMost: limit) else { return nil }
        do {
            let result = try await session.start()
            logger.debug("session started", metadata: ["session": "\(session.id)", "script": "\(script.displayPath)"])
            return (session, result)
        } catch {
            session.discard()
            throw error
        }
    }

    /// Starts a session of `script`, as ``start(_:atMost:)``, without
    /// waiting for its main code (``Session/launch(failed:)``); nil when
    /// there are `limit` sessions. When the script fails, its child page
    /// finds why with ``takeLaunchFailure(_:)``.
    /// - Parameters:
    ///   - module: the script's module, and `moduleLink` its entry page, for the failure's way back.
    ///   - launchLink: the entry link that starts the script, for the child page's relaunch.
    func launch(_ script: Script, name: String, module: String, moduleLink: String, launchLink: String,
                atMost limit: Int) -> Session? {
        guard let session = admit(script, atMost: limit) else { return nil }
        session.launchLink = launchLink
        let logger = logger
        session.launch { [weak self] kind, error in
            logger.info("session did not start: \(LogText.escaped(error))",
                        metadata: ["session": "\(session.id)", "script": "\(LogText.escaped(script.displayPath))"])
            self?.remember(LaunchFailure(kind, scriptName: name, error: error, module: module, moduleLink: moduleLink),
                           of: session.id)
        }
        return session
    }

    /// A session that failed to start, and why, until its child page takes it.
    private let failures = Mutex<[SessionID: LaunchFailure]>([:])
    /// How long, and how many, failures wait for their child page: as long
    /// as a session waits for its first page, and few, since each is a page
    /// of text and a flood of failing launches must not grow them.
    static let failureLifetime: Duration = .seconds(60)
    static let maxFailures = 256

    private func remember(_ failure: LaunchFailure, of id: SessionID) {
        failures.withLock { failures in
            failures = failures.filter { failure.when - $0.value.when < Self.failureLifetime }
            if failures.count >= Self.maxFailures, let oldest = failures.min(by: { $0.value.when < $1.value.when }) {
                failures[oldest.key] = nil
            }
            failures[id] = failure
        }
    }

    /// Failures waiting for their child page (tests).
    var launchFailureCount: Int { failures.withLock { $0.count } }

    /// Why the session `id` did not start (once), when it was launched and failed.
    func takeLaunchFailure(_ id: SessionID) -> LaunchFailure? {
        failures.withLock { $0.removeValue(forKey: id) }
    }

    /// Registers a new session of `script` when fewer than `limit` count.
    private func admit(_ script: Script, atMost limit: Int) -> Session? {
        let session = Session(
            id: .make(), script: script, limits: configuration.limits,
            lifecycle: SessionLifecycle(grace: configuration.grace, firstPageTimeout: configuration.firstPageTimeout),
            logger: logger, stores: configuration.stores, beforeTurn: configuration.beforeTurn
        ) { [weak self] ended in
            self?.keepCountingIfMidTurn(ended)
            self?.sessions.withLock { _ = $0.removeValue(forKey: ended.id) }
            self?.onSessionEnded(ended)
            ProcessMemory.trimSoon()
        }
        let admitted = sessions.withLock { sessions in
            guard sessions.count + unfinished.withLock({ $0.count }) < limit else { return false }
            sessions[session.id] = session
            return true
        }
        return admitted ? session : nil
    }

    public func session(_ id: SessionID) -> Session? {
        sessions.withLock { $0[id] }
    }

    /// Sessions that count against `--max-sessions`: the live ones, and
    /// those ended while a turn of theirs still runs.
    public var count: Int { sessions.withLock { $0.count } + unfinished.withLock { $0.count } }

    /// Ended sessions whose turn the watchdog gave up on and which has not returned.
    public var stuckCount: Int { unfinished.withLock { $0.values.count { $0.stuck } } }

    /// Ended sessions whose turn still runs (stuck or not).
    public var midTurnCount: Int { unfinished.withLock { $0.count } }

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

    /// Shows `message` as a notice in the open pages of every session of the
    /// module in `folder` (its service had an error).
    public func notice(_ message: String, toModuleIn folder: URL) {
        let path = folder.standardizedFileURL.path
        for session in sessions.withLock({ Array($0.values) }) where session.moduleFolder.standardizedFileURL.path == path {
            session.notice(message)
        }
    }

    /// Ends every session (the server is stopping). Awaits nothing: a VM
    /// mid-turn closes when its turn returns, if the process still runs.
    public func endAll(reason: String) {
        for session in sessions.withLock({ Array($0.values) }) { session.end(reason: reason) }
    }

    // MARK: The watchdog

    /// An ended session whose VM is mid-turn stays counted until the turn returns.
    private func keepCountingIfMidTurn(_ session: Session, stuck: Bool = false) {
        let vm = session.vm
        guard let started = vm.turnStart else { return }
        unfinished.withLock { turns in
            if turns[ObjectIdentifier(vm)] == nil {
                turns[ObjectIdentifier(vm)] = UnfinishedTurn(session: session, vm: vm, started: started, stuck: stuck)
            }
        }
    }

    /// One look at every turn: ends the sessions whose turn has run past its
    /// CPU limit plus ``watchdogGrace``, and forgets ended sessions whose turn
    /// has returned.
    func watchTurns(now: UInt64 = TurnClock.now) {
        let returned = unfinished.withLock { turns in
            let returned = turns.filter { $0.value.vm.turnStart != $0.value.started }
            for key in returned.keys { turns[key] = nil }
            return returned.values.filter(\.stuck)
        }
        for turn in returned {
            logger.warning("the stuck turn of an ended session returned after \(Self.seconds(turn.started, now)) s; it no longer counts",
                           metadata: ["session": "\(turn.session.id)"])
        }
        // Sessions ended for another reason mid-turn, whose turn then ran on.
        let overdue = unfinished.withLock { turns in
            var overdue: [UnfinishedTurn] = []
            for (key, turn) in turns where !turn.stuck && Self.isOverdue(turn.started, now: now, limits: turn.session.limits) {
                turns[key]?.stuck = true
                overdue.append(turn)
            }
            return overdue
        }
        for turn in overdue { abandon(turn.session, started: turn.started, now: now) }
        for session in sessions.withLock({ Array($0.values) }) {
            guard let started = session.vm.turnStart,
                  Self.isOverdue(started, now: now, limits: session.limits) else { continue }
            keepCountingIfMidTurn(session, stuck: true)
            abandon(session, started: started, now: now)
            let limit = Self.format(session.limits.cpuSeconds)
            session.end(reason: "the script did not stop at its CPU limit (\(limit) s) and was ended; reload the page to start it again")
        }
    }

    private func abandon(_ session: Session, started: UInt64, now: UInt64) {
        logger.error("a turn has run \(Self.seconds(started, now)) s, past its CPU limit of \(Self.format(session.limits.cpuSeconds)) s and \(Self.format(Self.watchdogGrace)) s of grace; its session is ended, and counts against --max-sessions until the turn returns",
                     metadata: ["session": "\(session.id)"])
    }

    private static func isOverdue(_ started: UInt64, now: UInt64, limits: SessionLimits) -> Bool {
        TurnClock.seconds(from: started, to: now) > limits.cpuSeconds + watchdogGrace
    }

    private static func seconds(_ start: UInt64, _ end: UInt64) -> String {
        String(format: "%.1f", TurnClock.seconds(from: start, to: end))
    }

    private static func format(_ seconds: Double) -> String {
        String(format: "%g", seconds)
    }
}
