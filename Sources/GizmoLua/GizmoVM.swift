import Foundation
import GizmoStore
import Synchronization
import Logging

/// One session's Lua state and the runtime that drives it.
///
/// The VM is the only owner of its ``LuaState`` and runs on its own serial
/// queue (``QueueExecutor``). Each method is one *turn*: it runs Lua under the
/// CPU deadline and hands the frame the turn produced to `output`, in turn
/// order.
public actor GizmoVM {
    public enum Output: Sendable, Equatable {
        /// A turn's frame (a JSON array of commands) for every page that has joined.
        case frame(String)
        /// A full render for the page on `connection`, which joins the
        /// session; `acked` numbers the last of its messages that ran.
        case join(connection: Int, acked: Int, frame: String)
        /// The session cannot go on (its memory budget is spent, its code
        /// would not stop); the reason.
        case ended(String)
    }

    /// Replays to the page on `connection` the frames after frame `n` and
    /// joins it; false when they are no longer kept (the page then gets a
    /// full render). `acked` as for ``Output/join(connection:acked:frame:)``.
    public typealias Resume = @Sendable (_ connection: Int, _ n: Int, _ acked: Int) -> Bool

    public struct BootResult: Sendable, Equatable {
        /// The main chunk's error, when it failed before showing anything useful.
        public var error: String?
        /// `"show"` or `"link"`: how the script put a component on the page.
        public var shownBy: String?
    }

    public struct Stats: Sendable, Equatable {
        /// Registry references the script holds (functions given to the page, timers).
        public var references: Int
        public var listeners: Int
        public var waiting: Int
        public var timers: Int
        public var memoryUsed: Int
        /// Watches of the module's store.
        public var watches: Int = 0
    }

    nonisolated let executor: QueueExecutor
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// Where the script is; its text is in ``source`` until the boot compiles it.
    let script: Script
    private var source: String?
    let limits: SessionLimits
    let logger: Logger
    private let output: @Sendable (Output) -> Void
    private let resume: Resume
    /// Which run of the session's script this is (0, then one more per hot reload).
    public nonisolated let generation: Int
    /// What the script serves beside its page (images, js_file, add_content).
    public nonisolated let resources = SessionResources()
    nonisolated var dataFolder: DataFolder {
        DataFolder(script: script, base: limits.simulation?.dataFolders, grants: limits.grants)
    }
    var lua: LuaState?
    private(set) var turnFunction: Int32 = 0
    private var timers: [Int: StateTimer] = [:]
    var lastTimer = 0
    /// When this session's code was last stopped by the CPU limit.
    private var cpuStops: [ContinuousClock.Instant] = []
    private var closing = false
    /// The module's store (gz.store) and this state's watches, from the first use.
    private var storeAccess: StoreAccess?
    private let stores: StoreDirectory?
    /// This state's gz.tail followers and gz.fetch requests, from the first use (GizmoVM+Files, GizmoVM+Fetch).
    var fileTails: FileTails?
    var fetches: Fetches?
    /// The programs this state started (gz.spawn), from the first one.
    var processTable: ProcessTable?
    /// A module's service: a state with no page (``ModuleService``).
    public nonisolated let isService: Bool

    /// The files this session's code came from or serves (the script, the
    /// modules it required, its js_file / css_file / add_content / Image
    /// files), as standardized paths: a change to one reloads the session.
    public nonisolated let dependencies = Mutex<Set<String>>([])

    /// A first paint made for the page the entry's redirect brings
    /// (GizmoVM+Snapshot), until it is taken or a turn runs.
    package nonisolated let preparedSnapshot = Mutex<RenderSnapshot?>(nil)

    /// Registry references still held when the VM closed (0 unless a leak).
    public private(set) var referencesLeftAtClose: Int?

    /// When the running turn started (``TurnClock``), 0 while none runs: the
    /// watchdog reads it from outside the actor.
    private nonisolated let turnStamp = Atomic<UInt64>(0)
    /// When the turn that moved off an event loop began (its handler was
    /// paused past its slice, GizmoVM+EventLoop): its rest runs before any
    /// other turn, under the same CPU deadline. Nil when no turn has moved.
    var movedTurn: UInt64?
    /// Until when (``TurnClock``) the page's messages run on the session's
    /// queue rather than on the event loop: a session whose turns run long
    /// stays off the loop for a while. 0: from now on the loop.
    package nonisolated let offLoopUntil = Atomic<UInt64>(0)
    /// Tests only: runs at the start of each turn, inside its stamp, with
    /// the turn's kind (a test makes a turn stick with it).
    private let beforeTurn: (@Sendable (String) -> Void)?

    /// - Parameter executor: the queue to run on; a session's runs share
    ///   one with its page's reader. Without one the VM makes its own.
    ///   - stores: where `gz.store` finds the module's store; without one it raises.
    ///   - service: the state is a module's service, with no page.
    public init(script: Script, limits: SessionLimits = .init(), logger: Logger,
                executor: QueueExecutor? = nil, generation: Int = 0, stores: StoreDirectory? = nil,
                service: Bool = false,
                resume: @escaping Resume = { _, _, _ in false },
                output: @escaping @Sendable (Output) -> Void) {
        self.init(script: script, limits: limits, logger: logger, executor: executor, generation: generation,
                  stores: stores, service: service, resume: resume, beforeTurn: nil, output: output)
    }

    package init(script: Script, limits: SessionLimits, logger: Logger, executor: QueueExecutor?,
                 generation: Int, stores: StoreDirectory? = nil, service: Bool = false,
                 resume: @escaping Resume, beforeTurn: (@Sendable (String) -> Void)?,
                 output: @escaping @Sendable (Output) -> Void) {
        self.stores = stores
        self.isService = service
        self.script = script.withoutSource
        self.source = script.source
        self.limits = limits
        self.logger = logger
        self.output = output
        self.resume = resume
        self.generation = generation
        self.beforeTurn = beforeTurn
        self.executor = executor ?? QueueExecutor(label: "gizmo.vm")
        if let file = script.file { dependencies.withLock { _ = $0.insert(file.path) } }
    }

    /// When the turn running now started (``TurnClock/now``); nil between turns.
    public nonisolated var turnStart: UInt64? {
        let stamp = turnStamp.load(ordering: .relaxed)
        return stamp == 0 ? nil : stamp
    }

    // MARK: Turns

    /// Creates the Lua state, loads the library and runs the script's main
    /// chunk until it finishes or first waits.
    /// - Throws: ``ScriptError`` when the script does not compile.
    /// - Parameter kept: what the session's previous run kept (``keep()``,
    ///   a hot reload): `gz.session` and what it knew of the pages.
    public func boot(kept: String? = nil) throws(ScriptError) -> BootResult {
        let lua: LuaState
        do {
            lua = try LuaState(memoryLimit: 0)
            try lua.load(bytecode: GizmoLibrary.bytecode, chunkName: GizmoLibrary.chunkName)
            pushHost(into: lua)
            lua.pushTable()
            lua.push(limits.getTimeout)
            lua.setField("get_timeout")
            lua.push(limits.maxMessageBytes)
            lua.setField("max_message")
            lua.push(generation)
            lua.setField("generation")
            if isService {
                lua.push(1)
                lua.setField("service")
            }
            if let kept {
                lua.push(kept)
                lua.setField("kept")
            }
            try lua.call(arguments: 2, results: 2, cpuSeconds: 0)
        } catch {
            throw ScriptError(message: "gizmolua: the gizmo library failed to start: \(error)")
        }
        turnFunction = lua.ref()
        lua.pop(1) // the module; the runtime keeps it for require
        lua.memoryLimit = limits.memoryBytes
        self.lua = lua

        do {
            defer { source = nil } // compiled: the chunk holds what it needs
            try lua.load(source: source ?? "", chunkName: "@" + script.displayPath)
        } catch {
            close()
            throw ScriptError(message: error.message)
        }
        let chunk = lua.ref()
        defer { self.lua?.unref(chunk) }
        let (failure, shownBy) = turn("boot") { $0.push(ref: chunk); return 1 }
        return BootResult(error: failure, shownBy: shownBy)
    }

    /// One text message from the page on `connection`.
    public func receive(_ text: String, from connection: Int = 0) {
        receive(text, from: connection, onLoop: false)
    }

    /// `onLoop`: the turn runs on an event loop (``receiveHere(_:from:)``)
    /// and moves to the queue past its slice.
    func receive(_ text: String, from connection: Int, onLoop: Bool) {
        turn("frame", onLoop: onLoop) { $0.push(text); $0.push(connection); return 2 }
        // A large message leaves garbage the size of it (its text, what it
        // decoded to): collect it now and give the memory back, so a page
        // sending large messages (or a flood of them) leaves no mark.
        if text.utf8.count >= Self.largeMessage, let lua {
            lua.collectGarbage()
            ProcessMemory.trimSoon()
        }
    }

    static let largeMessage = 64 << 10

    /// The page on `connection` has gone.
    public func leave(_ connection: Int) {
        turn("leave") { $0.push(connection); return 1 }
    }

    /// After a hot reload: every page that has joined gets this run's tree.
    public func rerender() {
        turn("rerender")
    }

    /// A timer of this session has come due.
    public func fire(timer id: Int) {
        timers[id] = nil
        turn("timer") { $0.push(id); return 1 }
    }

    /// Changes of watched keys of the module's store have come: one turn
    /// delivers every change waiting.
    func deliverStoreChanges() {
        guard let batch = storeAccess?.takeBatch() else { return }
        turn("store") { $0.push(batch); return 1 }
    }

    /// The update gate of `key` is this state's: the coroutine that waited
    /// for it (filed under `ticket`, as a sleeper) runs on, holding it for
    /// this turn. A closed state passes it on.
    private func gateGranted(ticket: Int, key: String, hold: UpdateGates.Hold, store: ModuleStore) {
        guard lua != nil, !closing, let storeAccess else { return store.endUpdate(key, hold: hold) }
        storeAccess.markHeld(key, hold: hold)
        turn("timer") { $0.push(ticket); return 1 }
    }

    /// Ends the session: releases callbacks, cancels timers, ends its
    /// watches, closes the state.
    public func close() {
        for task in timers.values { task.cancel() }
        timers = [:]
        storeAccess?.close()
        fileTails?.close()
        fetches?.close()
        processTable?.close()
        guard let lua, !closing else { return }
        closing = true
        movedTurn = nil // the rest of a moved turn is dropped with the state (its coroutines)
        turn("shutdown")
        lua.unref(turnFunction)
        referencesLeftAtClose = lua.liveReferences
        if lua.liveReferences != 0 {
            logger.warning("session closed with \(lua.liveReferences) Lua references still held")
        }
        self.lua = nil
    }

    public var isClosed: Bool { lua == nil }

    /// What the next run of the script keeps (JSON: `gz.session`, and which
    /// messages of each page ran); nil (with a log line) when it cannot be
    /// encoded. `gz.session` holding what JSON cannot is left out, with a log line.
    public func keep() -> String? {
        finishMovedTurn()
        guard let lua else { return nil }
        lua.push(ref: turnFunction)
        lua.push("keep")
        do {
            try lua.call(arguments: 1, results: 2, cpuSeconds: limits.cpuSeconds)
        } catch {
            logger.warning("the session's state could not be kept: \(error.message)")
            return nil
        }
        defer { lua.pop(2) }
        if let problem = lua.string(at: -1) { logger.warning("\(problem)") }
        return lua.string(at: -2)
    }

    public func stats() -> Stats? {
        finishMovedTurn()
        guard let lua else { return nil }
        lua.collectGarbage()
        lua.push(ref: turnFunction)
        lua.push("stats")
        do {
            try lua.call(arguments: 1, results: 3, cpuSeconds: limits.cpuSeconds)
        } catch {
            return nil
        }
        defer { lua.pop(3) }
        // The runtime's entry point is the host's own reference; count the script's.
        return Stats(references: (lua.integer(at: -3) ?? 0) - 1, listeners: lua.integer(at: -2) ?? -1,
                     waiting: lua.integer(at: -1) ?? -1, timers: timers.count, memoryUsed: lua.memoryUsed,
                     watches: storeAccess?.watchCount ?? 0)
    }

    /// Runs the runtime's `turn(kind, ...)` and sends the frame it returns.
    /// - Parameter onLoop: the turn runs on an event loop: past
    ///   ``loopSlice`` its handler pauses and the turn moves to the queue.
    @discardableResult
    func turn(_ kind: String, onLoop: Bool = false, arguments: (LuaState) -> Int32 = { _ in 0 }) -> (String?, String?) {
        finishMovedTurn() // what a moved turn left runs before anything else
        guard let lua else { return (nil, nil) }
        preparedSnapshot.withLock { $0 = nil } // its tree may change now
        lua.push(ref: turnFunction)
        lua.push(kind)
        let count = arguments(lua)
        let started = TurnClock.now
        turnStamp.store(started, ordering: .relaxed)
        beforeTurn?(kind)
        return run(lua, kind, arguments: 1 + count, started: started, onLoop: onLoop)
    }

    /// The rest of a turn that moved off an event loop, if one did: its
    /// paused handler and what the turn had still to run, then its frame.
    func finishMovedTurn() {
        guard let started = movedTurn else { return }
        movedTurn = nil
        guard let lua else { return }
        lua.push(ref: turnFunction)
        lua.push("resume")
        run(lua, "resume", arguments: 1, started: started, onLoop: false)
    }

    /// Calls the runtime's turn function (below its `arguments` on the
    /// stack) for a turn that began at `started`, and ends the turn unless
    /// it moved: the stamp, the update gates, the frame, the limits.
    @discardableResult
    private func run(_ lua: LuaState, _ kind: String, arguments: Int32, started: UInt64, onLoop: Bool) -> (String?, String?) {
        let partStarted = TurnClock.now // a moved turn's rest starts later than the turn
        var moved = false
        // A moved turn is still running: its stamp stays (the watchdog counts
        // from its start), and so do its update gates, until its rest returns.
        defer {
            if !moved {
                turnStamp.store(0, ordering: .relaxed)
                storeAccess?.endTurn() // no update gate is held across turns
            }
        }
        do {
            try lua.call(arguments: arguments, results: 3, cpuSeconds: limits.cpuSeconds, started: started,
                         pauseAt: onLoop ? started + Self.loopSlice : nil)
        } catch {
            moved = movedOffLoop(lua, started: started)
            if lua.runtimeStopped {
                // The runtime ran script code that would not stop (a metamethod
                // or a function the script redefined): its state is not to be trusted.
                end(because: Self.firstLine(of: error.message) + "; the session was ended, reload the page to start again")
                return (nil, nil)
            }
            // The runtime's own code failed; a spent memory budget does that.
            logger.error("the gizmo runtime failed in a \(kind) turn: \(error.message)")
            if error.outOfMemory || lua.memoryExceeded {
                end(because: memoryMessage)
            } else {
                output(.frame(Self.frame(error: "gizmo runtime error: \(error.message)")))
            }
            return (nil, nil)
        }
        let frame = lua.string(at: -3)
        let failure = lua.string(at: -2)
        let shownBy = lua.string(at: -1)
        lua.pop(3)
        moved = movedOffLoop(lua, started: started)
        if let frame { output(.frame(frame)) }
        // A refused allocation costs the turn. If the memory stays held after a
        // full collection, the script keeps it (a growing global): every later
        // turn would fail too, so the session ends instead.
        if lua.memoryExceeded {
            lua.collectGarbage()
            if lua.memoryUsed + lua.memoryExternal > limits.memoryBytes / 4 * 3 { end(because: memoryMessage) }
        }
        if lua.cpuExceeded { countCPUStop() }
        if !moved { keepOffLoopIfLong(kind, ran: TurnClock.now - partStarted, onLoop: onLoop, stopped: lua.cpuExceeded) }
        return (failure, shownBy)
    }

    /// A session whose code the CPU limit stops again and again is spinning on
    /// purpose or by mistake: the third stop within a minute ends it.
    private func countCPUStop() {
        let now = ContinuousClock.now
        cpuStops = cpuStops.filter { now - $0 < Self.cpuStopWindow } + [now]
        if cpuStops.count >= Self.cpuStopsToEnd {
            end(because: "this session's code ran past its CPU limit of \(Self.seconds(limits.cpuSeconds)) s "
                + "\(Self.cpuStopsToEnd) times within a minute, so the session was ended; reload the page to start again")
        }
    }

    static let cpuStopsToEnd = 3
    static let cpuStopWindow: Duration = .seconds(60)

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    private static func firstLine(of message: String) -> String {
        String(message.prefix { $0 != "\n" })
    }

    private var memoryMessage: String {
        "this session used up its memory budget of \(limits.memoryBytes >> 20) MiB and was ended; reload the page to start again"
    }

    private func end(because reason: String) {
        guard lua != nil, !closing else { return }
        logger.error("session ended: \(reason)")
        output(.frame(Self.frame(error: reason, close: true)))
        close()
        output(.ended(reason))
    }

    /// A frame made on the Swift side: an error panel, optionally the end.
    public static func frame(error message: String, close: Bool = false) -> String {
        let text = JSONText.string(message)
        let error = #"{"op":"error","msg":\#(text)}"#
        return close ? #"[\#(error),{"op":"close","msg":\#(text)}]"# : "[\(error)]"
    }

    // MARK: The host functions Lua can call

    private func pushHost(into lua: LuaState) {
        lua.pushNativeTable()
        let functions: [(String, LuaState.Function)] = [
            ("timer", { [unowned self] call in
                guard let seconds = self.duration(call, "timer") else { return .raising(Self.durationMessage("timer")) }
                guard let id = self.schedule(after: seconds) else { return call.failure(self.tooManyTimers) }
                call.push(id)
                return .returning(1)
            }),
            ("cancel", { [unowned self] call in
                if let id = call.integer(at: 1) { self.timers.removeValue(forKey: id)?.cancel() }
                return .returning(0)
            }),
            ("sleep", { [unowned self] call in
                guard let seconds = self.duration(call, "gz.sleep") else {
                    return .raising(Self.durationMessage("gz.sleep"))
                }
                guard call.isYieldable else {
                    return .raising("gz.sleep can only wait in a handler, a timer or the script's main code")
                }
                guard let id = self.schedule(after: seconds) else { return call.failure(self.tooManyTimers) }
                call.push("gizmo.wait\0")
                call.push("sleep")
                call.push(id)
                return .yielding(3)
            }),
            ("log", { [unowned self] call in
                let level = Logger.Level(rawValue: call.string(at: 1) ?? "info") ?? .info
                self.logger.log(level: level, "\(Self.bounded(call.string(at: 2) ?? ""))")
                return .returning(0)
            }),
            ("join", { [unowned self] call in
                guard let connection = call.integer(at: 1), let acked = call.integer(at: 2),
                      let frame = call.string(at: 3) else { return call.badArgument(1, "join", "connection") }
                self.output(.join(connection: connection, acked: acked, frame: frame))
                return .returning(0)
            }),
            ("resume", { [unowned self] call in
                guard let connection = call.integer(at: 1), let n = call.integer(at: 2),
                      let acked = call.integer(at: 3) else { return call.badArgument(1, "resume", "connection") }
                call.push(self.resume(connection, n, acked))
                return .returning(1)
            }),
            ("library", { call in
                guard let name = call.string(at: 1), let bytecode = GizmoLibrary.parts[name] else {
                    return call.badArgument(1, "library", "part name")
                }
                guard call.load(bytecode: bytecode, chunkName: "=gizmo/\(name)") else {
                    return .raising(call.string(at: -1) ?? "cannot load the \(name) part")
                }
                return .returning(1)
            }),
            ("add_file", { [unowned self] call in
                self.addFile(call)
            }),
            ("add_bytes", { [unowned self] call in
                self.addBytes(call)
            }),
            ("data_path", { [unowned self] call in
                self.dataFolder.path(call)
            }),
            ("write_file", { [unowned self] call in
                self.dataFolder.write(call)
            }),
            ("load_module", { [unowned self] call in
                guard let name = call.string(at: 1) else { return call.badArgument(1, "require", "string") }
                switch ModuleResolver(directory: self.script.directory).source(of: name) {
                case .success(let (path, source)):
                    self.dependencies.withLock { _ = $0.insert(URL(fileURLWithPath: path).standardizedFileURL.path) }
                    guard call.load(source: source, chunkName: "@" + path) else {
                        return .raising(call.string(at: -1) ?? "cannot load module '\(name)'")
                    }
                    return .returning(1)
                case .failure(let error):
                    return .raising(error.message)
                }
            }),
        ]
        for (name, function) in functions + storeFunctions() + fileFunctions() + fetchFunctions() + processFunctions()
            + simulationFunctions() {
            lua.pushFunction(lua.register(function), offLoop: Self.mayBlock.contains(name))
            lua.setField(name)
        }
    }

    /// gz.store's host functions (store.lua); each answers `nil, message` for
    /// what the library raises at the script's line.
    private func storeFunctions() -> [(String, LuaState.Function)] {
        [
            ("store_get", { [unowned self] call in
                guard let key = Self.key(call) else { return call.failure(Self.badKey) }
                do throws(StoreError) {
                    let entry = try self.access().store().get(key)
                    if let json = entry.json {
                        guard call.fits(json.utf8.count) else { return call.failure(self.tooLarge(json.utf8.count)) }
                        call.push(json)
                    } else {
                        call.push(false)
                    }
                    call.push(Int(entry.version))
                    return .returning(2)
                } catch {
                    return call.failure(error.message)
                }
            }),
            ("store_set", { [unowned self] call in
                guard let key = Self.key(call) else { return call.failure(Self.badKey) }
                let version = call.integer(at: 3).map(Int64.init)
                do throws(StoreError) {
                    switch try self.access().store().set(key, json: call.string(at: 2), ifVersion: version) {
                    case .written: call.push(true)
                    case .conflict: call.push(false)
                    }
                    return .returning(1)
                } catch {
                    return call.failure(error.message)
                }
            }),
            ("store_append", { [unowned self] call in
                guard let key = Self.key(call) else { return call.failure(Self.badKey) }
                guard let item = call.string(at: 2), let keep = call.integer(at: 3) else {
                    return call.badArgument(2, "store_append", "string")
                }
                do throws(StoreError) {
                    call.push(Int(try self.access().store().append(key, item: item, keep: keep).seq))
                    return .returning(1)
                } catch {
                    return call.failure(error.message)
                }
            }),
            ("store_watch", { [unowned self] call in
                guard let key = Self.key(call) else { return call.failure(Self.badKey) }
                do throws(StoreError) {
                    let (id, current) = try self.access().watch(key)
                    call.push(id)
                    if let json = current.json, call.fits(json.utf8.count) { call.push(json) } else { call.push(false) }
                    return .returning(2)
                } catch {
                    return call.failure(error.message)
                }
            }),
            ("store_begin", { [unowned self] call in
                // true: the gate is held; false: go on without it; or the
                // coroutine waits (as gz.sleep does) until the gate is handed
                // to it, and gets nothing back.
                guard let key = Self.key(call) else { return call.failure(Self.badKey) }
                let access = self.access()
                guard call.isYieldable else {
                    call.push(false) // cannot wait here: compare-and-set alone
                    return .returning(1)
                }
                self.lastTimer += 1
                let ticket = self.lastTimer
                do throws(StoreError) {
                    let store = try access.store()
                    let entry = try access.beginUpdate(key) { [weak self] hold in
                        guard let self else { return store.endUpdate(key, hold: hold) }
                        Task(executorPreference: self.executor) {
                            await self.gateGranted(ticket: ticket, key: key, hold: hold, store: store)
                        }
                    }
                    switch entry {
                    case .entered?:
                        call.push(true)
                        return .returning(1)
                    case nil:
                        call.push(false)
                        return .returning(1)
                    case .queued?:
                        call.push("gizmo.wait\0")
                        call.push("sleep")
                        call.push(ticket)
                        return .yielding(3)
                    }
                } catch {
                    return call.failure(error.message)
                }
            }),
            ("store_end", { [unowned self] call in
                if let key = Self.key(call) { self.storeAccess?.endUpdate(key) }
                return .returning(0)
            }),
            ("store_cancel", { [unowned self] call in
                if let id = call.integer(at: 1) { self.storeAccess?.cancel(id) }
                return .returning(0)
            }),
        ]
    }

    private func access() -> StoreAccess {
        if let storeAccess { return storeAccess }
        // The delivery starts on the state's own queue: one thread woken per
        // watcher and change, not a hop through the cooperative pool first.
        let executor = self.executor
        let access = StoreAccess(directory: stores, folder: dataFolder.root) { [weak self] in
            Task(executorPreference: executor) { await self?.deliverStoreChanges() }
        }
        storeAccess = access
        return access
    }

    /// The key at argument 1, when it is a string of valid UTF-8.
    private static func key(_ call: LuaCall) -> String? {
        guard let bytes = call.bytes(at: 1) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }

    private static let badKey = "a key must be a string of valid UTF-8"

    private func tooLarge(_ bytes: Int) -> String {
        "the value has \(bytes >> 20) MiB, which would take this state past its memory budget of \(limits.memoryBytes >> 20) MiB"
    }

    /// `add_file(path, mime?, url?, caller)`: registers a file of the script's
    /// folder; answers the URL, or nil and a message naming the caller.
    private nonisolated func addFile(_ call: LuaCall) -> LuaCall.Outcome {
        let caller = call.string(at: 4) ?? "add_file"
        func refuse(_ message: String) -> LuaCall.Outcome { call.failure("\(caller): \(message)") }
        guard let path = call.string(at: 1), !path.isEmpty else { return refuse("the path is empty") }
        let file = script.directory.appendingPathComponent(path).standardizedFileURL
        guard !path.hasPrefix("/"), file.isInside(script.directory) else {
            return refuse("'\(path)' is outside the script's folder; only files in \(script.directory.path) are served")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory) else {
            return refuse("no file '\(path)' (looked for \(file.path))")
        }
        guard !isDirectory.boolValue else { return refuse("'\(path)' is a folder, not a file") }
        guard FileManager.default.isReadableFile(atPath: file.path) else { return refuse("'\(path)' cannot be read") }
        let name = call.string(at: 3) ?? file.lastPathComponent
        guard SessionResources.isValidName(name) else {
            return refuse("'\(name)' cannot be served: use a relative name of letters, digits, '-', '_' and '.'")
        }
        guard resources.hasRoom(for: name) else { return call.failure(tooManyNames(caller)) }
        _ = call.charge(-resources.byteCount(of: name))
        let mime = call.string(at: 2) ?? SessionResources.mime(for: file.path)
        resources.register(name, .init(content: .file(file, folder: script.directory), mime: mime))
        dependencies.withLock { _ = $0.insert(file.path) }
        call.push(name)
        return .returning(1)
    }

    /// Bytes a session may serve are charged to its memory budget: the
    /// server holds them for as long as the session lives.
    private nonisolated func addBytes(_ call: LuaCall) -> LuaCall.Outcome {
        guard let bytes = call.bytes(at: 1), let mime = call.string(at: 2), let name = call.string(at: 3) else {
            return call.badArgument(1, "add_bytes", "string")
        }
        let caller = call.string(at: 4) ?? "gz.Image"
        guard resources.hasRoom(for: name) else { return call.failure(tooManyNames(caller)) }
        let previous = resources.byteCount(of: name)
        guard call.charge(bytes.count - previous) else {
            return call.failure("\(caller): \(bytes.count) bytes would take this session past its memory budget of "
                + "\(limits.memoryBytes >> 20) MiB (served bytes count with the script's own memory)")
        }
        resources.register(name, .init(content: .bytes(bytes), mime: mime))
        call.push(name)
        return .returning(1)
    }

    private nonisolated func tooManyNames(_ caller: String) -> String {
        "\(caller): this session already serves \(SessionResources.maxNames) names, the most it may; "
            + "serve new content under a name it used before"
    }

    /// A duration for the clock: 0 to a year (Swift's Duration traps far past
    /// it; the library checks first, with the script's line).
    private nonisolated func duration(_ call: LuaCall, _ name: String) -> Double? {
        guard let seconds = call.number(at: 1), seconds >= 0, seconds <= Self.maxSeconds else { return nil }
        return seconds
    }

    static let maxSeconds = 31_536_000.0
    static let maxTimers = 1000

    private static func durationMessage(_ name: String) -> String {
        "\(name): argument #1 must be a number of seconds from 0 to \(Int(maxSeconds)) (a year)"
    }

    private var tooManyTimers: String {
        "too many timers: this session already has \(Self.maxTimers) live timers (gz.after, gz.every, gz.sleep, "
            + "gz.get), the most it may hold; cancel some first"
    }

    /// A script's line for the log: escaped as ``LogText`` does, but for its
    /// line breaks, which a traceback needs; each line after the first is
    /// indented, so no line a script writes can pass for the server's own.
    public static func bounded(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { LogText.escaped($0.replacingOccurrences(of: "\t", with: "    "), limit: 4000) }
            .joined(separator: "\n\t")
    }

    /// Starts a timer; nil when the session holds as many as it may.
    private func schedule(after seconds: Double) -> Int? {
        guard timers.count < Self.maxTimers else { return nil }
        lastTimer += 1
        let id = lastTimer
        if let simulation = limits.simulation {
            timers[id] = .simulated(simulation.schedule(after: seconds) { [weak self] in await self?.fire(timer: id) })
            return id
        }
        timers[id] = .system(Task { [weak self] in
            try? await Task.sleep(for: .seconds(seconds))
            guard !Task.isCancelled else { return }
            await self?.fire(timer: id)
        })
        return id
    }
}
