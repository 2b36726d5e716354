import Foundation
import GizmoLua
import GizmoStore
import Logging
import Synchronization

/// One live run of one script for one page: its VM, its page connection and
/// its lifecycle.
public final class Session: Sendable {
    public let id: SessionID
    /// The script's name, for the page title and the log.
    public let scriptName: String
    private let current: Mutex<Current>
    let limits: SessionLimits
    private let outbox: Outbox
    /// The queue of every run of the script (each reload's VM), which the
    /// page's reader borrows for a short turn on its event loop.
    let executor = QueueExecutor(label: "gizmo.session")
    /// Tests only: runs at the start of each turn of the session's VMs.
    private let beforeTurn: (@Sendable (String) -> Void)?
    /// The lifecycle's pending timer (first page, grace), cancelled when replaced or ended.
    private let timer = Mutex<Task<Void, Never>?>(nil)
    /// Reloads run one after another, each after the one before.
    private let lastReload = Mutex<Task<Void, Never>?>(nil)
    private let lifecycle: Mutex<SessionLifecycle>
    private let connections = Atomic<Int>(0)
    private let logger: Logger
    private let onEnded: @Sendable (Session) -> Void
    /// The modules' stores, for gz.store.
    private let stores: StoreDirectory?

    init(id: SessionID, script: Script, limits: SessionLimits, lifecycle: SessionLifecycle,
         logger: Logger, stores: StoreDirectory? = nil, beforeTurn: (@Sendable (String) -> Void)? = nil,
         onEnded: @escaping @Sendable (Session) -> Void) {
        self.stores = stores
        self.id = id
        self.scriptName = URL(fileURLWithPath: script.displayPath).deletingPathExtension().lastPathComponent
        var logger = logger
        logger[metadataKey: "session"] = "\(id)"
        self.logger = logger
        let outbox = Outbox(logger: logger)
        self.outbox = outbox
        self.limits = limits
        self.beforeTurn = beforeTurn
        self.current = Mutex(Current(
            vm: Self.makeVM(script, generation: 0, limits: limits, logger: logger, executor: executor,
                            stores: stores, beforeTurn: beforeTurn, outbox: outbox),
            script: script.withoutSource, generation: 0))
        self.lifecycle = Mutex(lifecycle)
        self.onEnded = onEnded
        outbox.setOnEnded { [weak self] reason in self?.end(reason: reason) }
    }

    /// The script's current run: its VM, the script it runs, and which run it is.
    private struct Current {
        var vm: GizmoVM
        var script: Script
        var generation: Int
    }

    /// The VM of the script's current run.
    var vm: GizmoVM { current.withLock { $0.vm } }

    /// The folder of the session's module (its script's folder).
    public var moduleFolder: URL { current.withLock { $0.script.directory } }

    /// Shows a notice in the session's open pages (its module's service had an error).
    func notice(_ message: String) {
        outbox.send(#"[{"op":"notice","msg":\#(JSONText.string(message))}]"#)
    }

    /// The files whose change reloads this session.
    public var dependencies: Set<String> { vm.dependencies.withLock { $0 } }

    private static func makeVM(_ script: Script, generation: Int, limits: SessionLimits, logger: Logger,
                               executor: QueueExecutor, stores: StoreDirectory?,
                               beforeTurn: (@Sendable (String) -> Void)?, outbox: Outbox) -> GizmoVM {
        GizmoVM(script: script, limits: limits, logger: logger, executor: executor, generation: generation,
                stores: stores, resume: { outbox.resume($0, from: $1, acked: $2, generation: generation) },
                beforeTurn: beforeTurn, output: { outbox.deliver($0, from: generation) })
    }

    /// Runs the script's main chunk. Throws when the script does not compile.
    func start() async throws(ScriptError) -> GizmoVM.BootResult {
        // With the child page's first paint, made before the page asks for it.
        let result = try await vm.bootPreparingSnapshot()
        perform(lifecycle.withLock { $0.started() })
        return result
    }

    /// The entry's launch (``launch(failed:)``) while it runs, for the child page to wait on.
    private let launching = Mutex<Task<Void, Never>?>(nil)

    /// Starts the script's main chunk, then its first paint, on the
    /// session's queue, without waiting: the entry's redirect travels to
    /// the browser and back meanwhile. When the script does not compile or
    /// its main code fails, `failed` is told before the session is discarded.
    func launch(failed: @escaping @Sendable (_ kind: LaunchFailure.Kind, _ error: String) -> Void) {
        // Made under the lock its end takes, so the finished task is never
        // kept (an idle session holds no task).
        launching.withLock { launching in
            launching = Task(executorPreference: executor) { [self] in
                defer { self.launching.withLock { $0 = nil } }
                do throws(ScriptError) {
                    let result = try await start()
                    if let error = result.error {
                        failed(.failedToStart, error)
                        return discard()
                    }
                } catch {
                    failed(.cannotStart, error.message)
                    discard()
                }
            }
        }
    }

    /// Waits for the entry's launch to end, if one runs.
    func launched() async {
        await launching.withLock { $0 }?.value
    }

    /// No page has connected yet, and the session goes on.
    public var isAwaitingFirstPage: Bool { lifecycle.withLock { $0.isAwaitingFirstPage } }

    // MARK: The page's connection

    /// A page connected; frames go to `sink` once it has said hello, until it
    /// is detached.
    func connect(_ sink: PageSink) -> Int {
        let connection = connections.add(1, ordering: .relaxed).newValue
        if lifecycle.withLock({ $0.isEnded }) {
            sink.send(Self.closedFrame)
            sink.finish()
            return connection
        }
        guard outbox.attach(connection, sink) else {
            sink.send(Self.tooManyPagesFrame)
            sink.finish()
            return connection
        }
        let action = lifecycle.withLock { $0.pageConnected(connection) }
        if action == .end { // the session ended meanwhile
            outbox.detach(connection)
            sink.send(Self.closedFrame)
            return connection
        }
        cancelTimer() // a page is here: no first-page or grace timer runs
        logger.debug("page connected (#\(connection))")
        return connection
    }

    /// What the session shows now, for its child page's first paint; nil
    /// when it cannot be had (the session ended, a reload is moving it to a
    /// new run, a turn has commands waiting, or a turn is running, which
    /// may run for seconds and is not waited for): the page then renders
    /// over its socket.
    func firstPaint() async -> RenderSnapshot? {
        guard lifecycle.withLock({ !$0.isEnded }) else { return nil }
        let outbox = self.outbox, vm = self.vm
        if let prepared = vm.takePreparedSnapshot(mark: { outbox.expectPage(generation: $0) }) { return prepared }
        guard vm.turnStart == nil else { return nil }
        return await vm.renderSnapshot { outbox.expectPage(generation: $0) }
    }

    /// One text message from the page on `connection`: its turn runs on the
    /// caller's thread (the connection's event loop) when the VM lets it
    /// (``GizmoVM/receiveHere(_:from:)``), else on the session's queue.
    func receive(_ text: String, from connection: Int) async {
        let vm = self.vm
        if vm.receiveHere(text, from: connection) { return }
        await vm.receive(text, from: connection)
    }

    func disconnect(_ connection: Int) async {
        outbox.detach(connection)
        perform(lifecycle.withLock { $0.pageDisconnected(connection) })
        await vm.leave(connection)
    }

    /// Ends the session now: closes the page and the Lua state.
    public func end(reason: String = "the gizmo has ended") {
        guard lifecycle.withLock({ $0.end() }) == .end else { return }
        finish(reason: reason)
    }

    /// Ends a session that never got going (its script did not compile, or its
    /// main code failed), quietly: the caller reports the script's error.
    public func discard() {
        guard lifecycle.withLock({ $0.end() }) == .end else { return }
        finish(reason: nil)
    }

    private func perform(_ action: SessionLifecycle.Action) {
        switch action {
        case .none:
            break
        case .startTimer(let token, let seconds):
            // One timer at a time: a new one makes the old one's token stale
            // anyway, and a cancelled sleep frees its task at once instead of
            // holding it (and the request's task-locals) for the whole wait.
            let task = Task.detached { [weak self] in
                try? await Task.sleep(for: .seconds(seconds))
                guard !Task.isCancelled, let self else { return }
                self.perform(self.lifecycle.withLock { $0.timerFired(token) })
            }
            timer.withLock { old in
                defer { old = task }
                return old
            }?.cancel()
        case .end:
            finish(reason: "the page was closed")
        }
    }

    /// Whether a first-page or grace timer is waiting (tests).
    var timerPending: Bool { timer.withLock { $0 != nil } }

    private func cancelTimer() {
        timer.withLock { old in
            defer { old = nil }
            return old
        }?.cancel()
    }

    private func finish(reason: String?) {
        cancelTimer()
        if let reason { logger.info("session ended: \(reason)") }
        let message = reason ?? "the gizmo has ended"
        outbox.finish(with: #"[{"op":"close","msg":\#(JSONText.string(message))}]"#)
        let vm = self.vm
        Task { await vm.close() }
        onEnded(self)
    }

    // MARK: Hot reload

    /// Runs the script's file again in a fresh Lua state, with `gz.session`
    /// carried over, and re-renders the page in place over the same socket.
    /// The old run goes on until the new one has started: a script that no
    /// longer compiles or fails in its main code leaves the last good page in
    /// place, under an overlay with the error. Files the session serves that
    /// changed are fetched again by the page.
    /// - Parameter changed: the changed paths that concern this session.
    public func reload(changed: Set<String>) {
        lastReload.withLock { last in
            let previous = last
            last = Task { [weak self] in
                await previous?.value
                await self?.performReload(changed: changed)
            }
        }
    }

    /// Waits for the reloads asked for so far (tests).
    func reloadsFinished() async {
        await lastReload.withLock { $0 }?.value
    }

    private func performReload(changed: Set<String>) async {
        let started = ContinuousClock.now
        let (old, script, generation) = current.withLock { ($0.vm, $0.script, $0.generation) }
        guard let file = script.file, lifecycle.withLock({ !$0.isEnded }) else { return }
        var fresh: Script
        do {
            fresh = try Script(contentsOf: file.path)
        } catch {
            return showOverlay(title: "The script file is gone",
                               message: "\(script.displayPath): \(error.message.hasSuffix("no such file") ? "no such file" : error.message); this page keeps the last version and updates when the file is back.")
        }
        fresh.displayPath = script.displayPath
        let kept = await old.keep()
        let next = Self.makeVM(fresh, generation: generation + 1, limits: limits, logger: logger, executor: executor,
                               stores: stores, beforeTurn: beforeTurn, outbox: outbox)
        let boot: GizmoVM.BootResult
        do {
            boot = try await next.boot(kept: kept)
        } catch {
            return showOverlay(title: "The script does not compile", message: error.message)
        }
        if let failure = boot.error {
            await next.close()
            return showOverlay(title: "The script failed to start", message: failure)
        }
        current.withLock { $0 = Current(vm: next, script: fresh.withoutSource, generation: generation + 1) }
        outbox.advance(to: generation + 1)
        await old.close()
        guard lifecycle.withLock({ !$0.isEnded }) else {
            await next.close() // the session ended while the new run started
            return
        }
        // Every page gets the new run's tree; a page away now replays it when it resumes.
        await next.rerender()
        let names = next.resources.names(servingAnyOf: changed)
        if !names.isEmpty {
            outbox.send(#"[{"op":"refresh","names":\#(JSONText.array(names))}]"#)
        }
        let elapsed = ContinuousClock.now - started
        logger.info("reloaded \(LogText.escaped(fresh.displayPath)) in \(Self.milliseconds(elapsed)) ms")
    }

    private func showOverlay(title: String, message: String) {
        logger.warning("reload failed: \(LogText.escaped(message))")
        outbox.send(#"[{"op":"overlay","title":\#(JSONText.string(title)),"msg":\#(JSONText.string(message))}]"#)
    }

    private static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%.1f", Double(seconds) * 1000 + Double(attoseconds) / 1e15)
    }

    static let closedFrame = #"[{"op":"close","msg":"this gizmo session has ended; start it again to get a new one"}]"#
    /// To a page whose session this server does not hold: `again`, it may
    /// open its gizmo again by itself (docs/protocol.md).
    static let goneFrame = #"[{"op":"close","msg":"this gizmo session has ended; start it again to get a new one","again":true}]"#

    /// The entry link that started this session (`./?module=M&script=S`),
    /// for its child page; nil for a session `gizmolua run` started.
    var launchLink: String? {
        get { launch.withLock { $0 } }
        set { launch.withLock { $0 = newValue } }
    }
    private let launch = Mutex<String?>(nil)
    static let tooManyPagesFrame = #"[{"op":"close","msg":"this gizmo session already has \#(Outbox.maxPages) pages open, the most it may; close one and reload this page"}]"#
}
