import Foundation
import Synchronization
import Logging

/// One session's Lua state and the runtime that drives it.
///
/// The VM is the only owner of its ``LuaState`` and runs on its own serial
/// queue (``QueueExecutor``). Each method is one *turn*: it runs Lua under the
/// CPU deadline and hands the frame the turn produced to `output`, in turn
/// order.
public actor GizmoVM {
    public enum Output: Sendable {
        /// A protocol frame for the page.
        case frame(String)
        /// The session cannot go on (its memory budget is spent); the reason.
        case ended(String)
    }

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
    }

    private nonisolated let executor: QueueExecutor
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private let script: Script
    private let limits: SessionLimits
    private let logger: Logger
    private let output: @Sendable (Output) -> Void
    /// What the script serves beside its page (images, js_file, add_content).
    public nonisolated let resources = SessionResources()
    private nonisolated var dataFolder: DataFolder { DataFolder(script: script) }
    private var lua: LuaState?
    private var turnFunction: Int32 = 0
    private var timers: [Int: Task<Void, Never>] = [:]
    private var lastTimer = 0

    /// The files this session's code came from or serves (the script, the
    /// modules it required, its js_file / css_file / add_content / Image
    /// files), as standardized paths: a change to one reloads the session.
    public nonisolated let dependencies = Mutex<Set<String>>([])

    /// Registry references still held when the VM closed (0 unless a leak).
    public private(set) var referencesLeftAtClose: Int?

    /// - Parameter executor: the queue to run on; a session's runs share
    ///   one with its page's reader. Without one the VM makes its own.
    public init(script: Script, limits: SessionLimits = .init(), logger: Logger,
                executor: QueueExecutor? = nil, output: @escaping @Sendable (Output) -> Void) {
        self.script = script
        self.limits = limits
        self.logger = logger
        self.output = output
        self.executor = executor ?? QueueExecutor(label: "gizmo.vm")
        if let file = script.file { dependencies.withLock { _ = $0.insert(file.path) } }
    }

    // MARK: Turns

    /// Creates the Lua state, loads the library and runs the script's main
    /// chunk until it finishes or first waits.
    /// - Throws: ``ScriptError`` when the script does not compile.
    /// - Parameter session: the JSON of `gz.session` kept from the session's
    ///   previous run (a hot reload).
    public func boot(session: String? = nil) throws(ScriptError) -> BootResult {
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
            if let session {
                lua.push(session)
                lua.setField("session")
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
            try lua.load(source: script.source, chunkName: "@" + script.displayPath)
        } catch {
            close()
            throw ScriptError(message: error.message)
        }
        let chunk = lua.ref()
        defer { self.lua?.unref(chunk) }
        let (failure, shownBy) = turn("boot") { $0.push(ref: chunk); return 1 }
        return BootResult(error: failure, shownBy: shownBy)
    }

    /// One text message from the page.
    public func receive(_ text: String) {
        turn("frame") { $0.push(text); return 1 }
    }

    /// A timer of this session has come due.
    public func fire(timer id: Int) {
        timers[id] = nil
        turn("timer") { $0.push(id); return 1 }
    }

    /// Ends the session: releases callbacks, cancels timers, closes the state.
    public func close() {
        for task in timers.values { task.cancel() }
        timers = [:]
        guard let lua else { return }
        turn("shutdown")
        lua.unref(turnFunction)
        referencesLeftAtClose = lua.liveReferences
        if lua.liveReferences != 0 {
            logger.warning("session closed with \(lua.liveReferences) Lua references still held")
        }
        self.lua = nil
    }

    public var isClosed: Bool { lua == nil }

    /// The JSON of `gz.session`, to carry into the next run of the script;
    /// nil (with a log line) when it holds what JSON cannot.
    public func keptSession() -> String? {
        guard let lua else { return nil }
        lua.push(ref: turnFunction)
        lua.push("keep")
        do {
            try lua.call(arguments: 1, results: 2, cpuSeconds: limits.cpuSeconds)
        } catch {
            logger.warning("gz.session could not be kept: \(error.message)")
            return nil
        }
        defer { lua.pop(2) }
        if let problem = lua.string(at: -1) { logger.warning("\(problem)") }
        return lua.string(at: -2)
    }

    public func stats() -> Stats? {
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
                     waiting: lua.integer(at: -1) ?? -1, timers: timers.count, memoryUsed: lua.memoryUsed)
    }

    /// Runs the runtime's `turn(kind, ...)` and sends the frame it returns.
    @discardableResult
    private func turn(_ kind: String, arguments: (LuaState) -> Int32 = { _ in 0 }) -> (String?, String?) {
        guard let lua else { return (nil, nil) }
        lua.push(ref: turnFunction)
        lua.push(kind)
        let count = arguments(lua)
        do {
            try lua.call(arguments: 1 + count, results: 3, cpuSeconds: limits.cpuSeconds)
        } catch {
            // The runtime's own code failed; only a spent memory budget does that.
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
        if let frame { output(.frame(frame)) }
        // A refused allocation costs the turn. If the memory stays held after a
        // full collection, the script keeps it (a growing global): every later
        // turn would fail too, so the session ends instead.
        if lua.memoryExceeded {
            lua.collectGarbage()
            if lua.memoryUsed > limits.memoryBytes / 4 * 3 { end(because: memoryMessage) }
        }
        return (failure, shownBy)
    }

    private var memoryMessage: String {
        "this session used up its memory budget of \(limits.memoryBytes >> 20) MiB and was ended; reload the page to start again"
    }

    private func end(because reason: String) {
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
                guard let seconds = call.number(at: 1), seconds >= 0, seconds.isFinite else {
                    return call.badArgument(1, "timer", "number of seconds")
                }
                call.push(self.schedule(after: seconds))
                return .returning(1)
            }),
            ("cancel", { [unowned self] call in
                if let id = call.integer(at: 1) { self.timers.removeValue(forKey: id)?.cancel() }
                return .returning(0)
            }),
            ("sleep", { [unowned self] call in
                guard let seconds = call.number(at: 1), seconds >= 0, seconds.isFinite else {
                    return call.badArgument(1, "gz.sleep", "number of seconds")
                }
                guard call.isYieldable else {
                    return .raising("gz.sleep can only wait in a handler, a timer or the script's main code")
                }
                call.push("gizmo.wait\0")
                call.push("sleep")
                call.push(self.schedule(after: seconds))
                return .yielding(3)
            }),
            ("log", { [unowned self] call in
                let level = Logger.Level(rawValue: call.string(at: 1) ?? "info") ?? .info
                self.logger.log(level: level, "\(call.string(at: 2) ?? "")")
                return .returning(0)
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
                guard let bytes = call.bytes(at: 1), let mime = call.string(at: 2), let name = call.string(at: 3) else {
                    return call.badArgument(1, "add_bytes", "string")
                }
                self.resources.register(name, .init(content: .bytes(bytes), mime: mime))
                call.push(name)
                return .returning(1)
            }),
            ("data_path", { [unowned self] call in
                self.dataFolder.path(call)
            }),
            ("write_file", { [unowned self] call in
                self.dataFolder.write(call)
            }),
            ("read_file", { [unowned self] call in
                self.dataFolder.read(call)
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
        for (name, function) in functions {
            lua.pushFunction(lua.register(function))
            lua.setField(name)
        }
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
        let mime = call.string(at: 2) ?? SessionResources.mime(for: file.path)
        resources.register(name, .init(content: .file(file), mime: mime))
        dependencies.withLock { _ = $0.insert(file.path) }
        call.push(name)
        return .returning(1)
    }

    private func schedule(after seconds: Double) -> Int {
        lastTimer += 1
        let id = lastTimer
        timers[id] = Task { [weak self] in
            try? await Task.sleep(for: .seconds(seconds))
            guard !Task.isCancelled else { return }
            await self?.fire(timer: id)
        }
        return id
    }
}
