import Foundation
import GizmoLua
import Testing

/// The runtime's coroutines, timers, page requests and callback references.
struct RuntimeTests {
    @Test func getYieldsUntilThePageReplies() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            local out = gz.Text("?")
            gz.Stack({gz.Button("measure", {on_click = function()
                local w = gz.get(gz.window.innerWidth)
                out:text(type(w) .. " " .. w)
            end}), out}):show()
            """)
        try await harness.hello()
        let request = try #require(try await harness.click(harness.callback(label: "measure")!).first)
        #expect(request.op == "get")
        let expr = try #require(request["expr"] as? [String: Any])
        #expect((expr["get"] as? [Any])?.last as? String == "innerWidth")
        let req = try #require(request.int("req"))
        let reply = await harness.send(#"{"t":"reply","req":\#(req),"ok":true,"v":1234}"#)
        #expect(reply.first?.string("v") == "number 1234")
    }

    @Test func aJavaScriptErrorRaisesAtTheGetCall() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            gz.Button("go", {on_click = function()
                local ok, err = pcall(gz.get, gz.window.nothing())
                gz.send(gz.window.console:log(err))
            end}):show()
            """)
        try await harness.hello()
        let request = try await harness.click(harness.callback(label: "go")!).first
        let req = try #require(request?.int("req"))
        let after = await harness.send(#"{"t":"reply","req":\#(req),"ok":false,"err":"TypeError: nope"}"#)
        let expr = try #require(after.first?["expr"] as? [String: Any])
        let args = try #require((expr["call"] as? [Any])?.last as? [String])
        #expect(args.first?.contains("JavaScript error in the page: TypeError: nope") == true)
    }

    @Test func getTimesOutWithALuaError() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            gz.Button("go", {on_click = function() gz.get(gz.window.x, {timeout = 0.05}) end}):show()
            """)
        try await harness.hello()
        _ = try await harness.click(harness.callback(label: "go")!)
        let commands = try await harness.waitFor { $0.contains { $0.op == "error" } }
        #expect(commands.first { $0.op == "error" }?.string("msg")?.contains("did not answer") == true)
    }

    @Test func sleepAfterAndEveryRunOnTimers() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            local out = gz.Text("start")
            out:show()
            local ticks = 0
            local every
            every = gz.every(0.01, function()
                ticks = ticks + 1
                if ticks == 3 then every:cancel(); out:text("ticked 3") end
            end)
            gz.after(0.01, function() gz.sleep(0.02); gz.log("slept") end)
            """)
        #expect(harness.boot.error == nil)
        try await harness.hello()
        let commands = try await harness.waitFor { $0.contains { $0.string("v") == "ticked 3" } }
        #expect(commands.contains { $0.string("v") == "ticked 3" })
        try await Task.sleep(for: .milliseconds(100))
        let stats = try #require(await harness.vm.stats())
        #expect(stats.references == 0) // the cancelled `every` and the finished `after` let go
        #expect(stats.waiting == 0)
    }

    @Test func callbacksAreReleasedWhenReplacedAndWhenTheSessionEnds() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            local b = gz.Button("b")
            for i = 1, 50 do b:set_on_click(function() end) end
            for i = 1, 100 do gz.Button("temp", {on_click = function() end}) end
            gz.send(gz.window.setTimeout(function() end, 10))
            gz.after(100, function() end)
            b:show()
            """)
        let stats = try #require(await harness.vm.stats())
        #expect(stats.listeners == 1) // replaced and unreachable listeners are gone
        #expect(stats.references == 2) // the function passed to the page and the timer
        await harness.vm.close()
        #expect(await harness.vm.referencesLeftAtClose == 0)
    }

    @Test func scriptsAreSandboxed() async throws {
        let harness = try await VMHarness("""
            assert(os.execute == nil and os.exit == nil and io == nil and debug == nil)
            assert(dofile == nil and loadfile == nil)
            assert(load(string.dump(function() end)) == nil, "binary chunks are refused")
            assert(not pcall(require, "../etc/passwd"))
            require("gizmo").Text("sandboxed"):show()
            """)
        #expect(harness.boot.error == nil)
    }

    @Test func requireLoadsModulesBesideTheScript() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gizmo-require-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("lib"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "return {answer = 42}".write(to: folder.appendingPathComponent("lib/util.lua"), atomically: true, encoding: .utf8)
        let harness = try await VMHarness("""
            local util = require("lib.util")
            assert(require("lib.util") == util, "modules load once")
            require("gizmo").Text(util.answer):show()
            """, directory: folder)
        #expect(harness.boot.error == nil)
        #expect((try await harness.hello().first?["node"] as? [String: Any])?["text"] as? String == "42")
    }

    @Test(arguments: [
        (#"gz.Text("x", {css = "red"})"#, "test.lua:2: Text: option css must be a table, not string"),
        (#"gz.Button("x", {class = 3})"#, "test.lua:2: Button: option class must be a string, not number"),
        (#"gz.Slider({css = 1})"#, "test.lua:2: Slider: option css must be a table, not number"),
    ])
    func badOptionsAreNamedAtTheScriptLine(call: String, expected: String) async throws {
        let harness = try await VMHarness("local gz = require(\"gizmo\")\n\(call)")
        #expect(harness.boot.error == expected)
    }

    @Test func componentArgumentErrorsPointAtTheScriptLine() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            gz.Button("x", 5)
            """)
        #expect(harness.boot.error == "test.lua:2: Button: argument #2 must be a table, not number")
    }
}
