import GizmoLua
import Testing

/// What an idle session's Lua state holds (docs/performance.md, "Memory per
/// idle session"). The figure is a count of bytes, the same on every run of
/// one build: a change that makes every idle session bigger shows here
/// before it shows in `make bench`.
struct IdleMemoryTests {
    /// hello_env's page in a container's environment (seven variables), with
    /// fixed names: a Stack of seven Shelves of two styled Texts.
    static let helloEnvPage = """
        local gz = require("gizmo")
        local rows = {}
        for i = 1, 7 do
            rows[#rows + 1] = gz.Shelf({
                gz.Text("NAME_" .. i, { css = { ["font-weight"] = "bold", ["min-width"] = "14em" } }),
                gz.Text("value " .. i, { css = { ["word-break"] = "break-all" } }),
            })
        end
        gz.Stack({
            gz.Html("<h1>Hello environment</h1>"),
            gz.Stack(rows, { css = { gap = "0.25em" } }),
            "Goodbye.",
        }):show()
        """

    /// The Lua heap of that page's session, rendered once and idle: 113,753
    /// bytes on 2026-11-30 after issue 13's memory work (about 120,600
    /// before it), with some 4% of room; 118,070 on main at issue 16's
    /// start and 119,023 with its turns that move off the event loop (the
    /// scheduler's kept list and "resume" turn, the host's resume_handler).
    static let bound = 117 << 10

    @Test func anIdleSessionsLuaHeapStaysUnderItsBound() async throws {
        let harness = try await VMHarness(Self.helloEnvPage)
        #expect(harness.boot.error == nil)
        #expect(try await harness.hello().first?.op == "render")
        let used = try #require(await harness.vm.stats()).memoryUsed
        #expect(used <= Self.bound, "an idle session's Lua heap is \(used) bytes, over \(Self.bound)")
    }
}
