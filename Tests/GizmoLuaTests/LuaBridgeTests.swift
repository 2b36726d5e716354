import CLua
import GizmoLua
import Testing

/// The trampoline between Lua and Swift: errors, yields and references.
struct LuaBridgeTests {
    /// Runs `source` and returns its results as strings (nil for non-strings).
    private func run(_ lua: LuaState, _ source: String, results: Int32 = 1) throws -> [String?] {
        try lua.load(source: source, chunkName: "@bridge_test.lua")
        try lua.call(arguments: 0, results: results, cpuSeconds: 5)
        defer { lua.pop(results) }
        return (0..<results).map { lua.string(at: -results + $0) }
    }

    @Test func swiftErrorRunsSwiftCleanupAndReachesLuaAsAnError() throws {
        let lua = try LuaState(memoryLimit: 0)
        var cleanedUp = false
        let fail = lua.register { _ in
            defer { cleanedUp = true }
            return .raising("boom from Swift")
        }
        lua.pushFunction(fail)
        lua.setGlobal("fail")
        let results = try run(lua, """
            local ok, err = pcall(function() fail() end)
            return tostring(ok) .. " " .. err
            """)
        #expect(cleanedUp)
        #expect(results == ["false bridge_test.lua:1: boom from Swift"])
    }

    @Test func uncaughtSwiftErrorBecomesTheCallError() throws {
        let lua = try LuaState(memoryLimit: 0)
        let fail = lua.register { _ in .raising("nope") }
        lua.pushFunction(fail)
        lua.setGlobal("fail")
        #expect(throws: LuaError.self) { try run(lua, "fail()") }
        #expect(lua.top == 0)
    }

    @Test func swiftFunctionYieldsAndIsResumed() throws {
        let lua = try LuaState(memoryLimit: 0)
        let pause = lua.register { call in
            guard call.isYieldable else { return .raising("not yieldable") }
            call.push("paused")
            call.push(42)
            return .yielding(2)
        }
        lua.pushFunction(pause)
        lua.setGlobal("pause")
        let results = try run(lua, """
            local co = coroutine.create(function(a)
                local resumed = pause() -- the values of the next resume
                return "resumed with " .. tostring(resumed)
            end)
            local ok1, word, number = coroutine.resume(co, 1)
            local ok2, final = coroutine.resume(co, "hello")
            return string.format("%s %s %d | %s %s", ok1, word, number, ok2, final)
            """)
        #expect(results == ["true paused 42 | true resumed with hello"])
    }

    @Test func yieldOutsideACoroutineIsAClearError() throws {
        let lua = try LuaState(memoryLimit: 0)
        let pause = lua.register { call in
            call.isYieldable ? .yielding(0) : .raising("cannot wait here")
        }
        lua.pushFunction(pause)
        lua.setGlobal("pause")
        let results = try run(lua, "local ok, err = pcall(function() pause() end) return err")
        #expect(results == ["bridge_test.lua:1: cannot wait here"])
    }

    @Test func argumentsAreReadWithoutRaising() throws {
        let lua = try LuaState(memoryLimit: 0)
        let describe = lua.register { call in
            guard let text = call.string(at: 1) else { return call.badArgument(1, "describe", "string") }
            call.push("\(text):\(call.integer(at: 2) ?? -1):\(call.number(at: 3) ?? -1)")
            return .returning(1)
        }
        lua.pushFunction(describe)
        lua.setGlobal("describe")
        #expect(try run(lua, "return describe('x', 7, 2.5)") == ["x:7:2.5"])
        #expect(try run(lua, "return select(2, pcall(function() describe(12) end))")
            == ["bridge_test.lua:1: bad argument #1 to 'describe' (string expected, got number)"])
    }

    @Test func registryReferencesAreCounted() throws {
        let lua = try LuaState(memoryLimit: 0)
        #expect(lua.liveReferences == 0)
        try lua.load(source: "return function() end", chunkName: "=t")
        try lua.call(arguments: 0, results: 1, cpuSeconds: 0)
        let ref = lua.ref()
        #expect(lua.liveReferences == 1)
        lua.unref(ref)
        #expect(lua.liveReferences == 0)
    }

    @Test func syntaxErrorsNameFileAndLine() {
        let lua = try! LuaState(memoryLimit: 0)
        #expect {
            try lua.load(source: "local x = \n x +", chunkName: "@broken.lua")
        } throws: { error in
            (error as? LuaError)?.message.hasPrefix("broken.lua:2:") == true
        }
    }

    @Test func binaryChunksAreRefusedAsSource() throws {
        let lua = try LuaState(memoryLimit: 0)
        try lua.load(source: "return 1", chunkName: "=t")
        let bytes = try lua.dump()
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(throws: LuaError.self) { try lua.load(source: text, chunkName: "=t") }
    }
}
