import CGizmoLua
import CLua

/// The arguments of one call from Lua into a Swift function, and its results.
///
/// Only API that cannot raise is used here; the memory budget is off while
/// Swift runs, so pushes never fail with a longjmp.
public struct LuaCall {
    let L: OpaquePointer

    /// What the trampoline does once Swift has returned.
    public enum Outcome {
        /// Return the top `n` values.
        case returning(Int32)
        /// Yield the top `n` values to whoever resumed the coroutine.
        case yielding(Int32)
        /// Raise this message as a Lua error.
        case raising(String)
    }

    public var argumentCount: Int32 { lua_gettop(L) }
    /// Whether this call runs in a coroutine that may yield.
    public var isYieldable: Bool { lua_isyieldable(L) != 0 }

    public func number(at index: Int32) -> Double? {
        lua_type(L, index) == LUA_TNUMBER ? lua_tonumberx(L, index, nil) : nil
    }

    public func integer(at index: Int32) -> Int? {
        var ok: Int32 = 0
        let value = lua_tointegerx(L, index, &ok)
        return lua_type(L, index) == LUA_TNUMBER && ok != 0 ? Int(value) : nil
    }

    /// A string argument; numbers are not converted.
    public func string(at index: Int32) -> String? {
        guard lua_type(L, index) == LUA_TSTRING else { return nil }
        var length = 0
        guard let bytes = lua_tolstring(L, index, &length) else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: bytes, count: length), as: UTF8.self)
    }

    /// A string argument's bytes, copied once.
    public func bytes(at index: Int32) -> [UInt8]? {
        guard lua_type(L, index) == LUA_TSTRING else { return nil }
        var length = 0
        guard let bytes = lua_tolstring(L, index, &length) else { return nil }
        return Array(UnsafeRawBufferPointer(start: bytes, count: length))
    }

    public func typeName(at index: Int32) -> String {
        String(cString: lua_typename(L, lua_type(L, index)))
    }

    public func push(_ value: String) {
        var value = value
        value.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { _ = lua_pushlstring(L, $0.baseAddress, $0.count) }
        }
    }
    public func push(_ value: Int) { lua_pushinteger(L, lua_Integer(value)) }
    public func push(_ value: Double) { lua_pushnumber(L, value) }
    public func push(_ value: Bool) { lua_pushboolean(L, value ? 1 : 0) }
    public func pushNil() { lua_pushnil(L) }

    /// Compiles source text (never bytecode) and pushes the chunk, or the message.
    public func load(source: String, chunkName: String) -> Bool {
        var source = source
        return source.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) {
                gz_load_text(L, $0.baseAddress, $0.count, chunkName) == LUA_OK
            }
        }
    }

    /// Loads the library's own bytecode (never a script's) and pushes the chunk, or the message.
    func load(bytecode: [UInt8], chunkName: String) -> Bool {
        bytecode.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) {
                gz_load_binary(L, $0.baseAddress, $0.count, chunkName) == LUA_OK
            }
        }
    }

    /// Charges bytes the host holds for the state to its memory budget (a
    /// negative count releases them); false when they would pass the budget.
    public func charge(_ bytes: Int) -> Bool {
        gz_charge(L, Int64(bytes)) != 0
    }

    /// Whether `bytes` more would fit in the state's memory budget now.
    public func fits(_ bytes: Int) -> Bool {
        guard charge(bytes) else { return false }
        _ = charge(-bytes)
        return true
    }

    /// An expected failure, as Lua libraries answer it: `nil, message`.
    public func failure(_ message: String) -> Outcome {
        pushNil()
        push(message)
        return .returning(2)
    }

    /// "bad argument #n to 'name' (kind expected, got x)", as Lua says it.
    public func badArgument(_ n: Int32, _ name: String, _ expected: String) -> Outcome {
        .raising("bad argument #\(n) to '\(name)' (\(expected) expected, got \(typeName(at: n)))")
    }
}
