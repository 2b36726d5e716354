import Foundation
import GizmoLua
import Testing

/// gz.Progress and gz.Log (Resources/live.lua): what reaches the page, the
/// bounds, and that a log sends only its new lines.
struct LiveComponentsTests {
    /// The rendered node whose classes hold `cls`.
    private static func node(_ commands: [Command], class cls: String) -> [String: Any]? {
        guard let render = commands.first(where: { $0.op == "render" }), let root = render["node"] as? [String: Any]
        else { return nil }
        func find(_ node: [String: Any]) -> [String: Any]? {
            if (node["cls"] as? [String])?.contains(cls) == true { return node }
            for kid in node["kids"] as? [[String: Any]] ?? [] { if let found = find(kid) { return found } }
            return nil
        }
        return find(root)
    }

    // MARK: Progress

    @Test func aProgressShowsItsPercentageToPeopleAndScreenReaders() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            local bar = gz.Progress{value = 3, maximum = 8, label = "Training"}
            gz.Stack({bar, gz.Button("more", {on_click = function() bar:set_value(bar.value + 4) end}),
                      gz.Button("busy", {on_click = function() bar:set_value(nil) end}),
                      gz.Button("longer", {on_click = function() bar:set_maximum(100) end})}):show()
            """)
        #expect(harness.boot.error == nil)
        let node = try #require(Self.node(try await harness.hello(), class: "gz-progress"))
        let html = try #require(node["html"] as? String)
        #expect(html.contains(#"<progress max="8" value="3" aria-valuetext="Training 37%" aria-label="Training">"#))
        #expect(html.contains(">Training 37%</span>"))

        let more = try await harness.click(try #require(harness.callback(label: "more")))
        #expect(more.map(\.op) == ["html"])
        #expect(more.first?.string("v")?.contains(#"value="7" aria-valuetext="Training 87%""#) == true)
        let full = try await harness.click(try #require(harness.callback(label: "more")))
        #expect(full.first?.string("v")?.contains(#"value="8" aria-valuetext="Training 100%""#) == true) // clamped
        let longer = try await harness.click(try #require(harness.callback(label: "longer")))
        #expect(longer.first?.string("v")?.contains(#"max="100" value="8""#) == true)
        let busy = try await harness.click(try #require(harness.callback(label: "busy")))
        #expect(busy.first?.string("v")?.contains("<progress max=\"100\" aria-label=\"Training\"></progress>") == true)
    }

    @Test(arguments: [
        ("gz.Progress{value = 0/0}", "test.lua:2: Progress: argument #1 field 'value' must be a finite number, not "),
        ("gz.Progress{value = 'half'}", "test.lua:2: Progress: argument #1 field 'value' must be a finite number, not string"),
        ("gz.Progress{maximum = math.huge}", "test.lua:2: Progress: argument #1 field 'maximum' must be a finite number, not inf"),
        ("gz.Progress{maximum = 0}", "test.lua:2: Progress: argument #1 field 'maximum' must be above 0, not 0"),
        ("gz.Progress(5)", "test.lua:2: Progress: argument #1 must be a table, not number"),
        ("local p = gz.Progress{}\np:set_value(1/0)", "test.lua:3: set_value: argument #1 must be a finite number, not inf"),
        ("local p = gz.Progress{}\np:set_maximum(-1)", "test.lua:3: set_maximum: argument #1 must be above 0, not -1"),
    ])
    func progressValuesAreChecked(body: String, message: String) async throws {
        let harness = try await VMHarness("local gz = require('gizmo')\n" + body)
        #expect(harness.boot.error?.hasPrefix(message) == true, "\(harness.boot.error ?? "no error")")
    }

    @Test func aProgressClampsAndDefaults() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            local a, b = gz.Progress{value = -5}, gz.Progress{value = 500, maximum = 50}
            assert(a.value == 0 and a.maximum == 100, "a")
            assert(b.value == 50, "b")
            """)
        #expect(harness.boot.error == nil)
    }

    // MARK: Log

    @Test func aLogSendsOnlyItsNewLinesOnceATurn() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            local log = gz.Log{keep = 5}
            log:append("first\\nsecond\\n")
            local n = 0
            gz.Stack({log, gz.Button("more", {on_click = function()
                n = n + 1
                log:append("click " .. n)
                log:append({"a" .. n, "b" .. n})
            end}), gz.Button("clear", {on_click = function() log:clear(); log:append("after") end})}):show()
            """)
        #expect(harness.boot.error == nil)
        let render = try await harness.hello()
        let node = try #require(Self.node(render, class: "gz-log"))
        let live = try #require(node["live"] as? [String: Any])
        #expect(live["kind"] as? String == "log")
        #expect(live["lines"] as? [String] == ["first", "second"])
        #expect(live["seq"] as? Int == 1 && live["keep"] as? Int == 5)
        #expect((node["attrs"] as? [String: Any])?["role"] as? String == "log")

        let more = try #require(harness.callback(label: "more"))
        let first = try await harness.click(more)
        #expect(first.map(\.op) == ["log"]) // one command for both appends
        #expect(first.first?["add"] as? [String] == ["click 1", "a1", "b1"])
        #expect(first.first?.int("seq") == 3)
        let second = try await harness.click(more)
        #expect(second.first?["add"] as? [String] == ["click 2", "a2", "b2"]) // only the new lines
        #expect(second.first?.int("seq") == 6)

        // A page that joins now gets the last five.
        let joined = try await harness.send(#"{"t":"hello","v":2,"p":"other-page"}"#)
        let kept = try #require(Self.node(joined, class: "gz-log")?["live"] as? [String: Any])
        #expect(kept["lines"] as? [String] == ["a1", "b1", "click 2", "a2", "b2"])
        #expect(kept["seq"] as? Int == 4)

        let cleared = try await harness.click(try #require(harness.callback(label: "clear")))
        #expect(cleared.first?.int("clear") == 8)
        #expect(cleared.first?["add"] as? [String] == ["after"])
        #expect(cleared.first?.int("seq") == 9)
    }

    @Test func moreLinesThanTheLogKeepsTravelAsTheLastOnes() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            local log = gz.Log{keep = 3}
            gz.Stack({log, gz.Button("flood", {on_click = function()
                for i = 1, 10000 do log:append("line " .. i) end
            end})}):show()
            """)
        try await harness.hello()
        let flood = try await harness.click(try #require(harness.callback(label: "flood")))
        #expect(flood.first?["add"] as? [String] == ["line 9998", "line 9999", "line 10000"])
        #expect(flood.first?.int("seq") == 9998)
    }

    @Test func aLogAppendedAndShownInOneTurnCarriesItsLinesInTheRender() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            local log = gz.Log()
            gz.Stack({gz.Button("go", {on_click = function()
                log:append("one")
                gz.Stack({log}):show()
                log:append("two")
            end})}):show()
            """)
        try await harness.hello()
        let commands = try await harness.click(try #require(harness.callback(label: "go")))
        // The render has "one"; the turn's command both, numbered, so the page skips "one".
        #expect((Self.node(commands, class: "gz-log")?["live"] as? [String: Any])?["lines"] as? [String] == ["one"])
        let log = try #require(commands.first { $0.op == "log" })
        #expect(log["add"] as? [String] == ["one", "two"])
        #expect(log.int("seq") == 1)
    }

    @Test(arguments: [
        ("gz.Log{keep = 0}", "test.lua:2: Log: argument #1 field 'keep' must be a whole number from 1 to 100000, not 0"),
        ("gz.Log{keep = 100001}", "test.lua:2: Log: argument #1 field 'keep' must be a whole number from 1 to 100000, not 100001"),
        ("gz.Log{keep = 2.5}", "test.lua:2: Log: argument #1 field 'keep' must be a whole number from 1 to 100000, not 2.5"),
        ("gz.Log{keep = 'all'}", "test.lua:2: Log: argument #1 field 'keep' must be a whole number from 1 to 100000, not string"),
        ("local l = gz.Log()\nl:append(true)", "test.lua:3: append: argument #1 must be a string or a list of strings, not boolean"),
        ("local l = gz.Log()\nl:append({'a', {}})", "test.lua:3: append: argument #1 must hold only strings (item 2 is a table)"),
        ("local l = gz.Log()\nl.append('x')", "test.lua:3: append: call it as a method of a log (log:append(...))"),
    ])
    func logArgumentsAreChecked(body: String, message: String) async throws {
        let harness = try await VMHarness("local gz = require('gizmo')\n" + body)
        #expect(harness.boot.error?.hasPrefix(message) == true, "\(harness.boot.error ?? "no error")")
    }

    @Test func aServiceHasNoProgressOrLog() async throws {
        let harness = try await VMHarness("local gz = require('gizmo')\ngz.Log()", service: true)
        #expect(harness.boot.error?.contains("gz.Log: a module's service has no page") == true)
    }
}
