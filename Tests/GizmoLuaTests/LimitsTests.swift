import GizmoLua
import Testing

/// CPU deadlines and memory budgets cost a script its turn or its session,
/// never the host.
struct LimitsTests {
    @Test func endlessLoopIsStoppedInAHandlerAndTheSessionGoesOn() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            local out = gz.Text("idle")
            gz.Stack({
                gz.Button("spin", {on_click = function() while true do end end}),
                gz.Button("ok", {on_click = function() out:text("still alive") end}),
                out,
            }):show()
            """, limits: SessionLimits(cpuSeconds: 0.2))
        try await harness.hello()
        let spin = try #require(harness.callback(label: "spin"))
        let error = try await harness.click(spin).first { $0.op == "error" }
        #expect(error?.string("msg")?.contains("test.lua:4: CPU limit") == true)
        let ok = try #require(harness.callback(label: "ok"))
        let update = try await harness.click(ok)
        #expect(update.contains { $0.op == "text" && $0.string("v") == "still alive" })
    }

    @Test func pcallInTheScriptCannotSwallowTheStop() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            gz.Button("spin", {on_click = function()
                while true do pcall(function() while true do end end) end
            end}):show()
            """, limits: SessionLimits(cpuSeconds: 0.2))
        try await harness.hello()
        let spin = try #require(harness.callback(label: "spin"))
        let commands = try await harness.click(spin)
        #expect(commands.contains { $0.op == "error" && $0.string("msg")?.contains("CPU limit") == true })
    }

    @Test func endlessLoopInTheMainChunkIsABootError() async throws {
        let harness = try await VMHarness("while true do end", limits: SessionLimits(cpuSeconds: 0.2))
        #expect(harness.boot.error?.contains("test.lua:1: CPU limit") == true)
    }

    @Test func allocationInAHandlerIsRefusedAndTheSessionGoesOn() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            local out = gz.Text("idle")
            gz.Stack({
                gz.Button("hog", {on_click = function()
                    local t = {}
                    while true do t[#t + 1] = string.rep("x", 4096) .. #t end
                end}),
                gz.Button("ok", {on_click = function() out:text("fine") end}),
                out,
            }):show()
            """, limits: SessionLimits(memoryBytes: 8 << 20))
        try await harness.hello()
        let hog = try #require(harness.callback(label: "hog"))
        let error = try await harness.click(hog).first { $0.op == "error" }
        #expect(error?.string("msg")?.contains("not enough memory") == true)
        #expect(error?.string("msg")?.contains("memory budget is 8 MiB") == true)
        let ok = try #require(harness.callback(label: "ok"))
        #expect(try await harness.click(ok).contains { $0.string("v") == "fine" })
        #expect(!harness.ended)
    }

    @Test func memoryHeldForeverEndsOnlyThatSession() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            hoard = {}
            gz.Button("hoard", {on_click = function()
                while true do hoard[#hoard + 1] = string.rep("y", 4096) .. #hoard end
            end}):show()
            """, limits: SessionLimits(memoryBytes: 8 << 20))
        try await harness.hello()
        let other = try await VMHarness(#"require("gizmo").Text("other"):show()"#)
        let hoard = try #require(harness.callback(label: "hoard"))
        let commands = try await harness.click(hoard)
        #expect(commands.contains { $0.op == "close" })
        #expect(harness.ended)
        #expect(await harness.vm.isClosed)
        #expect(await other.vm.isClosed == false)
        #expect(try await other.hello().first?.op == "render")
    }
}
