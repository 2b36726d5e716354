import Foundation
import GizmoLua
import GizmoStore
import Logging
import Synchronization

/// One module's service: its `init.lua`, run once per server in a Lua state
/// of its own with no page (timers, `gz.store`, `gz.log`, the data folder),
/// independent of the module's sessions.
///
/// An error in it (the file does not compile, its main code fails, a timer
/// or a watch fails later) is logged with file:line, kept for the module's
/// entry page (``lastError``), and handed to `notify`, which shows it in the
/// module's open pages. A restart (hot reload) runs the file again in a new
/// state; the store keeps its data.
public final class ModuleService: Sendable {
    public let module: String
    public let file: URL
    private let displayPath: String
    private let limits: SessionLimits
    private let stores: StoreDirectory
    private let logger: Logger
    private let notify: @Sendable (String) -> Void
    private let executor = QueueExecutor(label: "gizmo.service")
    var executorForHarness: QueueExecutor { executor }
    private let state = Mutex<State>(State())

    private struct State {
        var vm: GizmoVM?
        var generation = 0
        var lastError: String?
        var stopped = false
        /// Another replica runs the module's service (its store is shared);
        /// this one waits to take it over (``takeOver()``).
        var standingBy = false
        /// The files of the last run, kept when it failed, so that fixing a
        /// module it required restarts it too.
        var files: Set<String> = []
    }

    /// - Parameter notify: tells the module's open pages of an error.
    /// - Parameter standingBy: wait for ``takeOver()`` before running (a
    ///   store shared by replicas: the module's lock says which runs it).
    public init(module: String, file: URL, displayPath: String, limits: SessionLimits, stores: StoreDirectory,
                standingBy: Bool = false, logger: Logger, notify: @escaping @Sendable (String) -> Void) {
        self.module = module
        self.file = file
        self.displayPath = displayPath
        self.limits = limits
        self.stores = stores
        var logger = logger
        logger[metadataKey: "service"] = "\(module)"
        self.logger = logger
        self.notify = notify
        state.withLock { $0.standingBy = standingBy }
    }

    /// The error that stopped or last troubled the service; nil while it runs well.
    public var lastError: String? { state.withLock { $0.lastError } }

    /// Whether a run of init.lua is live.
    public var isRunning: Bool { state.withLock { $0.vm != nil } }

    /// Whether another replica runs the service now.
    public var isStandingBy: Bool { state.withLock { $0.standingBy } }

    /// The files whose change restarts the service (init.lua and what it requires).
    public var dependencies: Set<String> {
        let (vm, files) = state.withLock { ($0.vm, $0.files) }
        return (vm?.dependencies.withLock { $0 } ?? files).union([file.standardizedFileURL.path])
    }

    /// The VM of the current run (tests).
    var vm: GizmoVM? { state.withLock { $0.vm } }

    /// Runs init.lua in a new state, after stopping the run before, if any.
    public func start() async {
        // The error of the run before goes now, not once the new run has
        // booted: a timer of the new run could fail in between.
        let (old, generation) = state.withLock { state -> (GizmoVM?, Int) in
            defer { state.vm = nil; state.generation += 1; state.lastError = nil }
            return (state.vm, state.generation + 1)
        }
        if let old { await old.close() }
        guard !state.withLock({ $0.stopped || $0.standingBy }) else { return }
        var script: Script
        do {
            script = try Script(contentsOf: file.path)
        } catch {
            return fail(error.message)
        }
        script.displayPath = displayPath
        let vm = GizmoVM(script: script, limits: limits, logger: logger, executor: executor, generation: generation,
                         stores: stores, service: true) { [weak self] output in self?.handle(output) }
        let boot: GizmoVM.BootResult
        do {
            boot = try await vm.boot()
        } catch {
            return fail(error.message)
        }
        let files = vm.dependencies.withLock { $0 }
        state.withLock { $0.files = files }
        if let failure = boot.error {
            await vm.close()
            return fail(failure)
        }
        let keep = state.withLock { state -> Bool in
            guard !state.stopped, state.generation == generation else { return false }
            state.vm = vm
            return true
        }
        if keep {
            logger.info("service started: \(LogText.escaped(displayPath))")
        } else {
            await vm.close() // stopped, or restarted again, meanwhile
        }
    }

    /// This replica runs the service from now on (it holds the module's lock):
    /// init.lua runs again, and finds in the store what the last run kept.
    public func takeOver() async {
        state.withLock { $0.standingBy = false }
        logger.info("service runs on this replica")
        await start()
    }

    /// Another replica may run the service now (this one lost the module's
    /// lock, or has not got it yet): this run stops, until ``takeOver()``.
    public func standBy() async {
        let vm = state.withLock { state -> GizmoVM? in
            state.standingBy = true
            state.generation += 1 // a start booting now keeps nothing
            defer { state.vm = nil }
            return state.vm
        }
        if let vm {
            await vm.close()
            logger.info("service stopped: another replica may run it now")
        }
    }

    /// Stops the service for good (the server is stopping, or init.lua is gone).
    public func stop() async {
        let vm = state.withLock { state -> GizmoVM? in
            state.stopped = true
            defer { state.vm = nil }
            return state.vm
        }
        if let vm {
            await vm.close()
            logger.info("service stopped")
        }
    }

    private func fail(_ message: String) {
        state.withLock { $0.lastError = message }
        logger.error("service failed: \(GizmoVM.bounded(message))")
        notify("The module's service failed: \(message)")
    }

    /// What a turn of the service produced: only errors reach anyone (there
    /// is no page); the runtime has logged them with their traceback.
    private func handle(_ output: GizmoVM.Output) {
        switch output {
        case .frame(let frame):
            guard frame.contains(#""error""#) else { return } // the commands' keys come in any order
            for message in Self.errors(in: frame) {
                state.withLock { $0.lastError = message }
                notify("The module's service had an error: \(message)")
            }
        case .join:
            break
        case .ended(let reason):
            state.withLock { state in
                state.lastError = reason
                state.vm = nil
            }
            logger.error("service ended: \(LogText.escaped(reason))")
            notify("The module's service ended: \(reason)")
        }
    }

    /// The messages of a frame's error commands.
    static func errors(in frame: String) -> [String] {
        guard let commands = try? JSONSerialization.jsonObject(with: Data(frame.utf8)) as? [[String: Any]] else { return [] }
        return commands.compactMap { $0["op"] as? String == "error" ? $0["msg"] as? String : nil }
    }
}
