import CLua

extension LuaCall {
    /// Pushes bytes as a Lua string, as they are (a file's or an answer's
    /// bytes need not be UTF-8).
    func push(bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { _ = lua_pushlstring(L, $0.baseAddress, $0.count) }
        }
    }
}
