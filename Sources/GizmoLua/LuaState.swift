import CGizmoLua
import CLua
import Foundation

/// One Lua state with a memory budget, plus the Swift functions it can call.
///
/// Not thread-safe: it belongs to exactly one owner (a ``GizmoVM`` actor),
/// and Lua runs only inside that owner's synchronous methods.
public final class LuaState {
    /// A Swift function callable from Lua. It answers what the trampoline in C
    /// should do next; C raises or yields only after Swift has returned.
    public typealias Function = (LuaCall) -> LuaCall.Outcome

    let L: OpaquePointer
    private var functions: [Function] = []

    /// - Parameter memoryLimit: bytes Lua may hold; 0 means no budget.
    public init(memoryLimit: Int) throws(LuaError) {
        Self.installDispatch
        let box = ContextBox()
        guard let state = gz_newstate(memoryLimit, Unmanaged.passUnretained(box).toOpaque()) else {
            throw LuaError(message: "could not create a Lua state")
        }
        L = state
        context = box
        box.state = self
    }

    // The C side keeps a pointer to this box, not to `self`, so that the
    // pointer is valid from the first moment of gz_newstate.
    private let context: ContextBox

    deinit { gz_close(L) }

    // MARK: Swift functions

    /// Registers `function` and returns its number for ``pushFunction(_:)``.
    public func register(_ function: @escaping Function) -> Int32 {
        functions.append(function)
        return Int32(functions.count - 1)
    }

    /// Pushes the trampoline for a registered function.
    /// - Parameter offLoop: the function may block (files, the store): in a
    ///   turn on an event loop, the handler calling it pauses first and the
    ///   call is made on the session's queue (GizmoVM+EventLoop).
    public func pushFunction(_ number: Int32, offLoop: Bool = false) {
        gz_push_function(L, number, offLoop ? 1 : 0)
    }

    private static let installDispatch: Void = {
        gz_set_dispatch { L, number, results in
            guard let L, let results, let raw = gz_context(L) else { return Int32(GZ_RAISE.rawValue) }
            let box = Unmanaged<ContextBox>.fromOpaque(raw).takeUnretainedValue()
            guard let state = box.state, Int(number) < state.functions.count else {
                lua_pushstring(L, "gizmo: a Swift function was called after its state was closed")
                return Int32(GZ_RAISE.rawValue)
            }
            let outcome = state.functions[Int(number)](LuaCall(L: L))
            switch outcome {
            case .returning(let n):
                results.pointee = n
                return Int32(GZ_RETURN.rawValue)
            case .yielding(let n):
                results.pointee = n
                return Int32(GZ_YIELD.rawValue)
            case .raising(let message):
                LuaCall(L: L).push(message)
                return Int32(GZ_RAISE.rawValue)
            }
        }
    }()

    // MARK: Running code

    /// Compiles source text and pushes the chunk; throws `file:line: message`.
    public func load(source: String, chunkName: String) throws(LuaError) {
        if !LuaCall(L: L).load(source: source, chunkName: chunkName) {
            throw LuaError(message: popMessage())
        }
    }

    /// Loads bytecode made by ``dump()``, from a trusted source only.
    public func load(bytecode: [UInt8], chunkName: String) throws(LuaError) {
        if !LuaCall(L: L).load(bytecode: bytecode, chunkName: chunkName) {
            throw LuaError(message: popMessage())
        }
    }

    /// Pops the function on top of the stack and returns its bytecode.
    /// - Parameter strip: leave out debug information (line numbers, local
    ///   names): smaller in every state that loads it, but its frames show no lines.
    public func dump(strip: Bool = false) throws(LuaError) -> [UInt8] {
        var out: UnsafeMutablePointer<CChar>?
        var length = 0
        let status = gz_dump(L, &out, &length, strip ? 1 : 0)
        pop(1)
        guard status == 0, let out else { throw LuaError(message: "could not dump a chunk") }
        defer { free(out) }
        return Array(UnsafeRawBufferPointer(start: out, count: length))
    }

    /// Calls the function below `arguments` values, protected, with a
    /// traceback and a CPU deadline; leaves `results` values or throws.
    public func call(arguments: Int32, results: Int32, cpuSeconds: Double) throws(LuaError) {
        let status = gz_pcall(L, arguments, results, cpuSeconds)
        if status != LUA_OK {
            throw LuaError(message: popMessage(), outOfMemory: status == LUA_ERRMEM)
        }
    }

    /// ``call(arguments:results:cpuSeconds:)`` for a turn that began at
    /// `started` (``TurnClock``; its CPU deadline counts from there) and,
    /// with `pauseAt`, pauses the running handler at the first count hook
    /// past that moment (``turnMoved`` then says so).
    public func call(arguments: Int32, results: Int32, cpuSeconds: Double, started: UInt64,
                     pauseAt: UInt64?) throws(LuaError) {
        let status = gz_pcall_turn(L, arguments, results, cpuSeconds, started, pauseAt ?? 0)
        if status != LUA_OK {
            throw LuaError(message: popMessage(), outOfMemory: status == LUA_ERRMEM)
        }
    }

    /// Whether the last call paused a handler: the turn goes on in a "resume" turn.
    public var turnMoved: Bool { gz_turn_moved(L) != 0 }

    // MARK: The stack

    public var top: Int32 { lua_gettop(L) }
    public func pop(_ n: Int32) { gz_pop(L, n) }
    public func push(_ value: String) { LuaCall(L: L).push(value) }
    public func push(_ value: Double) { lua_pushnumber(L, value) }
    public func push(_ value: Int) { lua_pushinteger(L, lua_Integer(value)) }
    public func pushNil() { lua_pushnil(L) }
    public func string(at index: Int32) -> String? { LuaCall(L: L).string(at: index) }
    /// A string's bytes as they are (a String would replace invalid UTF-8).
    public func bytes(at index: Int32) -> [UInt8]? { LuaCall(L: L).bytes(at: index) }
    public func integer(at index: Int32) -> Int? { LuaCall(L: L).integer(at: index) }
    /// Lua's truth of the value: false for nil and false only.
    public func boolean(at index: Int32) -> Bool { lua_toboolean(L, index) != 0 }

    /// Replaces the table on top with its field `name` (a raw get).
    public func replaceWithField(_ name: String) {
        push(name)
        lua_rawget(L, -2)
        lua_rotate(L, -2, 1)
        gz_pop(L, 1)
    }

    /// Pops the value on top into a counted registry reference.
    public func ref() -> Int32 { gz_ref(L) }
    public func unref(_ ref: Int32) { gz_unref(L, ref) }
    public func push(ref: Int32) { gz_push_ref(L, ref) }
    /// Registry references made through this state and not yet released.
    public var liveReferences: Int { Int(gz_ref_count(L)) }

    public func pushTable() { gz_new_table(L) }

    /// Pushes a new table holding the native host functions (JSON, refs, env,
    /// and the scheduler's resume and paused).
    public func pushNativeTable() {
        gz_new_table(L)
        gz_open_native(L)
        gz_open_scheduling(L)
    }

    /// Pops the value on top into the global `name` (no metamethods run on a fresh state).
    public func setGlobal(_ name: String) { lua_setglobal(L, name) }

    /// Sets `table[name] = value on top` for the table just below it (raw set).
    public func setField(_ name: String) {
        push(name)
        lua_rotate(L, -2, 1)
        lua_rawset(L, -3)
    }

    // MARK: Limits

    public var memoryUsed: Int { gz_memory_used(L) }
    public var memoryLimit: Int {
        get { gz_memory_limit(L) }
        set { gz_set_memory_limit(L, newValue) }
    }
    /// Bytes the host holds for this state and charged to its budget.
    public var memoryExternal: Int { gz_memory_external(L) }
    /// Whether the last call ran past its CPU deadline.
    public var cpuExceeded: Bool { gz_cpu_exceeded(L) != 0 }
    /// Whether the last call's own (main thread) code was stopped too: the
    /// runtime ran script code that did not stop.
    public var runtimeStopped: Bool { gz_runtime_stopped(L) != 0 }
    /// Whether the last call was refused memory.
    public var memoryExceeded: Bool { gz_memory_exceeded(L) != 0 }
    public func collectGarbage() { gz_collect(L) }

    /// Gives memory freed by closed states back to the system (glibc keeps
    /// freed memory in its arenas, one per thread that ran Lua).
    public static func trimProcessMemory() { gz_trim_process_memory() }

    private func popMessage() -> String {
        let message = string(at: -1) ?? "(error object is not a string)"
        pop(1)
        return message
    }
}

private final class ContextBox {
    unowned(unsafe) var state: LuaState?
}

/// An error raised by Lua, with its message (and traceback, when there is one).
public struct LuaError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var outOfMemory = false
    public var description: String { message }
}
