import Foundation
import GizmoLua
import Logging
import Synchronization

/// One live run of one script for one page: its VM, its page connection and
/// its lifecycle.
public final class Session: Sendable {
    public let id: SessionID
    /// The script's name, for the page title and the log.
    public let scriptName: String
    let vm: GizmoVM
    private let outbox: Outbox
    private let lifecycle: Mutex<SessionLifecycle>
    private let connections = Atomic<Int>(0)
    private let logger: Logger
    private let onEnded: @Sendable (Session) -> Void

    init(id: SessionID, script: Script, limits: SessionLimits, lifecycle: SessionLifecycle,
         logger: Logger, onEnded: @escaping @Sendable (Session) -> Void) {
        self.id = id
        self.scriptName = URL(fileURLWithPath: script.displayPath).deletingPathExtension().lastPathComponent
        var logger = logger
        logger[metadataKey: "session"] = "\(id)"
        self.logger = logger
        let outbox = Outbox()
        self.outbox = outbox
        self.vm = GizmoVM(script: script, limits: limits, logger: logger, output: outbox.deliver)
        self.lifecycle = Mutex(lifecycle)
        self.onEnded = onEnded
        outbox.setOnEnded { [weak self] reason in self?.end(reason: reason) }
    }

    /// Runs the script's main chunk. Throws when the script does not compile.
    func start() async throws(ScriptError) -> GizmoVM.BootResult {
        let result = try await vm.boot()
        perform(lifecycle.withLock { $0.started() })
        return result
    }

    // MARK: The page's connection

    /// A page connected; frames go to `continuation` until it is detached.
    func connect(_ continuation: AsyncStream<String>.Continuation) -> Int {
        let connection = connections.add(1, ordering: .relaxed).newValue
        let action = lifecycle.withLock { $0.pageConnected(connection) }
        if action == .end {
            continuation.yield(Self.closedFrame)
            continuation.finish()
            return connection
        }
        outbox.attach(connection, continuation)
        perform(action)
        logger.debug("page connected (#\(connection))")
        return connection
    }

    /// One text message from the page.
    func receive(_ text: String) async {
        await vm.receive(text)
    }

    func disconnect(_ connection: Int) {
        outbox.detach(connection)
        perform(lifecycle.withLock { $0.pageDisconnected(connection) })
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
        case .none, .replace:
            break // the outbox already finished the replaced connection
        case .startTimer(let token, let seconds):
            Task { [weak self] in
                try? await Task.sleep(for: .seconds(seconds))
                guard let self else { return }
                self.perform(self.lifecycle.withLock { $0.timerFired(token) })
            }
        case .end:
            finish(reason: "the page was closed")
        }
    }

    private func finish(reason: String?) {
        if let reason { logger.info("session ended: \(reason)") }
        let message = reason ?? "the gizmo has ended"
        outbox.finish(with: #"[{"op":"close","msg":\#(JSONText.string(message))}]"#)
        let vm = self.vm
        Task { await vm.close() }
        onEnded(self)
    }

    static let closedFrame = #"[{"op":"close","msg":"this gizmo session has ended; start it again to get a new one"}]"#
}
