import GizmoLua
import Testing

/// The walls between a script and the runtime that runs it (docs/security.md):
/// nothing a script redefines or attaches runs as the runtime's own work, and
/// every piece of work, in Lua or in C, stops at the deadline.
struct SandboxTests {
    /// A page with a button that counts, after `setup` has done its worst.
    static func counter(after setup: String) -> String {
        """
        local gz = require("gizmo")
        local out = gz.Text("0")
        local n = 0
        local button = gz.Button("count", {on_click = function() n = n + 1; out:text(n) end})
        local page = gz.Stack({button, out})
        local function spin() while true do end end
        \(setup)
        page:show()
        """
    }

    /// Renders, clicks and says hello again: the runtime's own paths.
    func expectTheRuntimeWorks(_ harness: VMHarness) async throws {
        let render = try await harness.hello()
        #expect(render.first?.op == "render")
        let button = try #require(harness.callback(label: "count"))
        let update = try await harness.click(button)
        #expect(update.contains { $0.op == "text" && $0.string("v") == "1" }, "\(update.map(\.fields))")
        #expect(try await harness.hello().first?.op == "render")
        #expect(!harness.ended)
    }

    @Test(arguments: [
        "pairs, ipairs, next, type, tostring, select = spin, spin, spin, spin, spin, spin",
        "string.format, string.gsub, string.find, string.gmatch, string.sub = spin, spin, spin, spin, spin",
        "table.concat, table.insert, table.remove, table.unpack = spin, spin, spin, spin",
        "setmetatable, getmetatable, rawget, rawset, pcall, error = spin, spin, spin, spin, spin, spin",
        "require('gizmo').Text = spin; coroutine.resume = spin; coroutine.create = spin",
    ])
    func redefinedGlobalsChangeOnlyTheScriptsWorld(setup: String) async throws {
        let harness = try await VMHarness(Self.counter(after: setup), limits: SessionLimits(cpuSeconds: 0.5))
        #expect(harness.boot.error == nil)
        try await expectTheRuntimeWorks(harness)
    }

    @Test func theStringMetatableIsTheScriptsToChangeNotTheRuntimes() async throws {
        let harness = try await VMHarness(Self.counter(after: """
            local mt = getmetatable("")
            assert(mt.__index == string, "string methods find the script's string table")
            function string.shout(s) return s:upper() .. "!" end
            assert(("hi"):shout() == "HI!", "a function added to string works as a method")
            mt.__index = spin
            mt.__tostring, mt.__name, mt.__concat = spin, spin, spin
            assert(("x"):upper() == "X", "the decoy changed nothing")
            """), limits: SessionLimits(cpuSeconds: 0.5))
        #expect(harness.boot.error == nil)
        try await expectTheRuntimeWorks(harness)
    }

    /// The script's `string` reads through to the library until the script
    /// changes one of its names; then it is the script's own copy. Neither
    /// reaches the runtime's captured functions or another session's state.
    @Test func aScriptRemovingStringFormatChangesNeitherTheRuntimeNorAnotherSession() async throws {
        let harness = try await VMHarness(Self.counter(after: """
            string.format = nil
            table.concat, table.insert = nil, nil
            assert(string.format == nil and table.concat == nil, "the script's own tables changed")
            assert(not pcall(function() return ("%d"):format(1) end), "string methods see the change")
            assert(("x"):upper() == "X" and string.rep("a", 2) == "aa", "the rest of string is still there")
            assert(table.unpack({1}) == 1 and type(table.sort) == "function")
            """), limits: SessionLimits(cpuSeconds: 0.5))
        #expect(harness.boot.error == nil)
        try await expectTheRuntimeWorks(harness)
        // The runtime formats its own reports.
        let failing = try await VMHarness("""
            local gz = require("gizmo")
            string.format, string.gsub, string.find, string.sub = nil, nil, nil, nil
            error(("boom %d"):rep(1) .. " at the end")
            """)
        #expect(failing.boot.error?.contains("boom %d at the end") == true, "\(failing.boot.error ?? "no error")")

        let other = try await VMHarness(Self.counter(after: """
            assert(string.format("%d-%s", 1, "a") == "1-a" and ("%d"):format(2) == "2")
            assert(table.concat({"a", "b"}, ",") == "a,b")
            """))
        #expect(other.boot.error == nil)
        try await expectTheRuntimeWorks(other)
    }

    @Test func theScriptsLibrariesReadThroughUntilItChangesThem() async throws {
        let harness = try await VMHarness(Self.counter(after: """
            function string.shout(s) return s:upper() .. "!" end
            assert(("hi"):shout() == "HI!" and string.format("%d", 3) == "3")
            local names = {}
            for name in pairs(string) do names[name] = true end
            assert(names.format and names.shout and names.rep, "pairs lists the library and the script's names")
            math.pi = 3
            assert(math.pi == 3 and math.floor(2.5) == 2, "a replaced value is the script's, the rest stays")
            assert(coroutine.wrap(function() coroutine.yield(1) end)() == 1)
            assert(utf8.char(72) == "H" and os.time() > 0)
            local sorted = {3, 1, 2}
            table.sort(sorted)
            assert(sorted[1] == 1 and sorted[3] == 3)
            assert(getmetatable(utf8) == false, "a library not yet copied keeps its metatable protected")
            assert(not pcall(setmetatable, utf8, {}))
            """), limits: SessionLimits(cpuSeconds: 0.5))
        #expect(harness.boot.error == nil)
        try await expectTheRuntimeWorks(harness)
    }

    @Test func componentMetatablesAreProtected() async throws {
        let harness = try await VMHarness(Self.counter(after: """
            assert(getmetatable(button) == false)
            local ok, message = pcall(setmetatable, button, {__index = spin})
            assert(not ok and message:find("protected"), message)
            """))
        #expect(harness.boot.error == nil)
        try await expectTheRuntimeWorks(harness)
    }

    @Test func fieldsAScriptSetsOnAComponentDoNotRunWhenTheRuntimeRenders() async throws {
        let harness = try await VMHarness(Self.counter(after: """
            local trap = setmetatable({}, {__index = spin, __len = spin, __pairs = spin})
            rawset(out, "_methods", trap)
            rawset(page, "_events", trap)
            rawset(out, "_css", trap)
            """), limits: SessionLimits(cpuSeconds: 0.5))
        #expect(harness.boot.error == nil)
        let render = try await harness.hello()
        #expect(render.first?.op == "render")
        #expect(!harness.ended)
    }

    @Test func finalizersAreRefusedAtTheScriptsLine() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            local t = setmetatable({}, {__gc = function() while true do end end})
            """)
        #expect(harness.boot.error?.contains("test.lua:2: setmetatable: __gc finalizers are not allowed") == true)
    }

    @Test func loadCompilesTextOnlyIntoTheScriptsEnvironment() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            marker = 42
            assert(load("return marker")() == 42)
            assert(load(string.dump(function() end)) == nil, "bytecode is refused")
            assert(load("return marker", "x", "t", {marker = 7})() == 7)
            assert(debug == nil and dofile == nil and loadfile == nil)
            gz.Text("ok"):show()
            """)
        #expect(harness.boot.error == nil)
    }

    /// A page whose button runs `attack` in its handler, and a second button
    /// that proves the session goes on.
    static func attack(_ attack: String, setup: String = "") -> String {
        """
        local gz = require("gizmo")
        \(setup)
        local out = gz.Text("idle")
        gz.Stack({
            gz.Button("attack", {on_click = function() \(attack) end}),
            gz.Button("ok", {on_click = function() out:text("still alive") end}),
            out,
        }):show()
        """
    }

    @Test(arguments: [
        #"local s = ("a"):rep(30000); s:find(("a*"):rep(30) .. "b")"#,
        #"local s = ("a"):rep(30000); string.match(s, ("a-"):rep(30) .. "b")"#,
        #"local s = ("a"):rep(30000); for _ in s:gmatch(("a*"):rep(30) .. "b") do end"#,
        #"local s = ("a"):rep(30000); s:gsub(("a*"):rep(30) .. "b", "")"#,
        #"table.move({}, 1, math.maxinteger - 1, 2)"#,
        #"table.concat(setmetatable({}, {__index = table.concat}), "", 1, 2^53)"#,
        #"table.remove(setmetatable({year = 2000, month = 1, day = 1}, {__len = os.time}), 1)"#,
        #"table.insert(setmetatable({year = 2000, month = 1, day = 1}, {__len = os.time}), 1, "x")"#,
        #"local t = {}; for i = 1, 60 do t = {t, t} end; gz.json.encode(t)"#,
    ])
    func workInsideCStopsAtTheDeadline(attack: String) async throws {
        let harness = try await VMHarness(Self.attack(attack), limits: SessionLimits(cpuSeconds: 0.3, memoryBytes: 256 << 20))
        try await harness.hello()
        let commands = try await harness.click(try #require(harness.callback(label: "attack")))
        #expect(commands.contains { $0.op == "error" && $0.string("msg")?.contains("CPU limit") == true },
                "\(commands.map(\.fields))")
        let ok = try await harness.click(try #require(harness.callback(label: "ok")))
        #expect(ok.contains { $0.string("v") == "still alive" })
    }

    @Test func anEmptyRepOfAnyCountIsEmptyAtOnce() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            assert(string.rep("", 2^53) == "" and string.rep("", 2^40, "") == "")
            assert(not pcall(string.rep, "x", 2^40), "a result no budget holds is refused")
            gz.Text("ok"):show()
            """, limits: SessionLimits(cpuSeconds: 0.5))
        #expect(harness.boot.error == nil)
    }

    @Test(arguments: [
        ("gz.after(1e300, function() end)", "gz.after: argument #1 must be a number of seconds"),
        ("gz.every(0/0, function() end)", "gz.every: argument #1 must be a number of seconds"),
        ("gz.after(-1, function() end)", "gz.after: argument #1 must be a number of seconds"),
        ("gz.sleep(math.huge)", "gz.sleep: argument #1 must be a number of seconds"),
        ("gz.get(gz.window.x, {timeout = 2^63})", "gz.get: argument #2 must be a number of seconds"),
    ])
    func durationsOutOfRangeAreErrorsAtTheScriptsLine(call: String, expected: String) async throws {
        let harness = try await VMHarness("local gz = require('gizmo')\n\(call)\n")
        #expect(harness.boot.error?.hasPrefix("test.lua:2: \(expected)") == true, "\(harness.boot.error ?? "no error")")
    }

    @Test func timersAreCapped() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            for i = 1, 1001 do gz.after(60, function() end) end
            """)
        #expect(harness.boot.error?.contains("test.lua:2: too many timers") == true, "\(harness.boot.error ?? "")")
        #expect((await harness.vm.stats()?.timers ?? 0) <= 1000)
    }

    @Test func servedBytesCountAgainstTheMemoryBudget() async throws {
        let harness = try await VMHarness(Self.attack("""
            local images = {}
            for i = 1, 100 do images[i] = gz.Image{bytes = chunk, mime = "image/png"} end
            """, setup: #"local chunk = ("x"):rep(1 << 20)"#), limits: SessionLimits(memoryBytes: 16 << 20))
        try await harness.hello()
        let commands = try await harness.click(try #require(harness.callback(label: "attack")))
        let error = commands.first { $0.op == "error" }
        #expect(error?.string("msg")?.contains("memory budget of 16 MiB") == true, "\(commands.map(\.fields))")
        #expect(error?.string("msg")?.contains("test.lua:") == true)
        let ok = try await harness.click(try #require(harness.callback(label: "ok")))
        #expect(ok.contains { $0.string("v") == "still alive" })
    }

    @Test func aCommandThatCannotBeEncodedDoesNotWedgeTheSession() async throws {
        let harness = try await VMHarness(Self.attack(#"rawset(out, "_css", {[true] = "x"}); out:text("broken")"#))
        try await harness.hello()
        _ = try await harness.click(try #require(harness.callback(label: "attack")))
        let render = try await harness.hello()
        #expect(render.contains { $0.op == "error" && $0.string("msg")?.contains("could not be sent") == true },
                "\(render.map(\.fields))")
        let ok = try await harness.click(try #require(harness.callback(label: "ok")))
        #expect(ok.contains { $0.string("v") == "still alive" })
    }

    @Test(arguments: [
        (#"local at = page; for _ = 1, 300 do local kid = gz.Stack({}); at:add(kid); at = kid end"#,
         "add: components nested more than 200 deep cannot be shown"),
        (#"local p = gz.window; for _ = 1, 100 do p = p.x end; button:js_init("void 0", {deep = p})"#,
         "js_init: the arguments cannot be sent to the page"),
        (#"local inner = gz.Stack({}); page:add(inner); inner:add(page)"#,
         "add: a component cannot contain itself or one of its parents"),
        (#"local inner = gz.Stack({}); page:add(inner); inner:attach_children({page})"#,
         "attach_children: a component cannot contain itself or one of its parents"),
    ])
    func whatCouldNeverBeRenderedIsRefusedWhereItIsMade(attack: String, expected: String) async throws {
        let harness = try await VMHarness(Self.counter(after: "pcall(function() \(attack) end); \(attack)"))
        #expect(harness.boot.error?.contains(expected) == true, "\(harness.boot.error ?? "no error")")
    }

    @Test func aReplyBeforeHelloDoesNotStrandTheMainCode() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            local out = gz.Text("waiting"):show()
            out:text("got " .. tostring(gz.get(gz.window.innerWidth)))
            """)
        let early = await harness.send(#"{"t":"reply","req":1,"ok":true,"v":640}"#)
        #expect(!early.contains { $0.op == "error" })
        let render = try await harness.hello()
        let node = try #require(render.first { $0.op == "render" }?["node"] as? [String: Any])
        #expect(node["text"] as? String == "got 640")
    }

    @Test func aSessionStoppedThreeTimesAMinuteIsEnded() async throws {
        let harness = try await VMHarness(Self.attack("while true do end"), limits: SessionLimits(cpuSeconds: 0.1))
        try await harness.hello()
        let attack = try #require(harness.callback(label: "attack"))
        _ = try await harness.click(attack)
        _ = try await harness.click(attack)
        #expect(!harness.ended)
        let third = try await harness.click(attack)
        #expect(third.contains { $0.op == "close" && $0.string("msg")?.contains("CPU limit") == true })
        #expect(harness.ended)
    }

    @Test func aRepeatingTimerStoppedByTheCPULimitIsCancelled() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            gz.Text("x"):show()
            gz.every(0.01, function() while true do end end)
            """, limits: SessionLimits(cpuSeconds: 0.1))
        try await harness.hello()
        let commands = try await harness.waitFor(seconds: 30) { seen in
            seen.contains { $0.string("msg")?.contains("the timer was cancelled") == true }
        }
        #expect(commands.contains { $0.string("msg")?.contains("CPU limit") == true })
        #expect((await harness.vm.stats()?.timers ?? 1) == 0)
    }

    @Test func runtimeWorkOnAScriptsGraphIsStoppedAndEndsTheSession() async throws {
        // The runtime encodes what the script set on a component when it
        // renders: a shared graph takes exponential time, in the runtime's own
        // thread. Its deadline stops it; the session cannot be trusted after.
        let harness = try await VMHarness(Self.attack("""
            local t = {}; for i = 1, 60 do t = {t, t} end
            rawset(out, "_attrs", {graph = t})
            """), limits: SessionLimits(cpuSeconds: 0.2))
        try await harness.hello()
        _ = try await harness.click(try #require(harness.callback(label: "attack")))
        #expect(!harness.ended)
        let render = try await harness.hello()
        #expect(render.contains { $0.op == "close" && $0.string("msg")?.contains("CPU limit: the gizmo runtime") == true },
                "\(render.map(\.fields))")
        #expect(harness.ended)
    }
}
