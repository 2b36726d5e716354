import Foundation
import GizmoLua
import Testing

/// Plot:append (Resources/plot.lua): only new points travel, max_points
/// drops the oldest, long series are reduced to a bounded number of points.
struct PlotAppendTests {
    private static func plotNode(_ commands: [Command]) -> [String: Any]? {
        guard let render = commands.first(where: { $0.op == "render" }), let root = render["node"] as? [String: Any]
        else { return nil }
        func find(_ node: [String: Any]) -> [String: Any]? {
            if (node["cls"] as? [String])?.contains("gz-plot") == true { return node }
            for kid in node["kids"] as? [[String: Any]] ?? [] { if let found = find(kid) { return found } }
            return nil
        }
        return find(root)
    }

    /// The `add` entries of a plot command or a node's live data.
    private static func adds(_ fields: [String: Any]?) -> [[String: Any]] {
        fields?["add"] as? [[String: Any]] ?? []
    }

    @Test func appendSendsOnlyTheNewPointsAndRedrawsTheAxesRarely() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            local p = gz.Plot{title = "loss"}
            local step = 0
            p:append("loss", {0}, {1})
            gz.Stack({p, gz.Button("step", {on_click = function()
                step = step + 1
                p:append("loss", step, 1 / (step + 1))
            end})}):show()
            """)
        #expect(harness.boot.error == nil)
        let render = try await harness.hello()
        let node = try #require(Self.plotNode(render))
        let svg = try #require(node["html"] as? String)
        #expect(svg.contains(#"class="gz-plot-series gz-plot-live" data-gz-series="1""#))
        #expect(svg.contains(">loss</text>")) // the title, and the legend's label
        let live = try #require(node["live"] as? [String: Any])
        #expect(live["kind"] as? String == "plot")
        #expect((live["frame"] as? [Double])?.count == 7)
        #expect(Self.adds(live).first?["x"] as? [Double] == [0])

        let button = try #require(harness.callback(label: "step"))
        var svgs = 0
        for step in 1...40 {
            let commands = try await harness.click(button)
            #expect(commands.map(\.op) == ["plot"])
            let plot = try #require(commands.first)
            if plot["svg"] != nil { svgs += 1 }
            let add = try #require(Self.adds(plot.fields).first)
            #expect(add["x"] as? [Double] == [Double(step)]) // one new point, never the whole series
            #expect(add["seq"] as? Int == step + 1)
        }
        // The axes grow a quarter at a time: far fewer SVGs than appends.
        #expect(svgs > 0 && svgs < 20, "\(svgs) SVGs for 40 appends")
    }

    @Test func maxPointsDropsTheOldestAndTheExtentFollows() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            local p = gz.Plot{max_points = 10}
            gz.Stack({p, gz.Button("more", {on_click = function()
                local xs, ys = {}, {}
                for i = 1, 100 do xs[i] = i; ys[i] = i end
                p:append("a", xs, ys)
            end})}):show()
            """)
        #expect(harness.boot.error == nil)
        try await harness.hello()
        let commands = try await harness.click(try #require(harness.callback(label: "more")))
        let adds = Self.adds(commands.first?.fields)
        let add = try #require(adds.first)
        #expect(add["x"] as? [Double] == (91...100).map(Double.init))
        #expect(add["first"] as? Int == 91)
        let frame = try #require(commands.first?["frame"] as? [Double])
        #expect(frame[2] > 80) // the x axis starts near the kept points, not at 1

        let joined = try await harness.send(#"{"t":"hello","v":2,"p":"other"}"#)
        let keptAdds = Self.adds(Self.plotNode(joined)?["live"] as? [String: Any])
        let kept = try #require(keptAdds.first)
        #expect(kept["x"] as? [Double] == (91...100).map(Double.init))
    }

    @Test func a200000PointSeriesIsReducedToABoundedNumberOfPoints() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            local p = gz.Plot{max_points = 200000, width = 600}
            local static = gz.Plot{width = 600}
            local xs, ys = {}, {}
            for i = 1, 200000 do xs[i] = i; ys[i] = math.sin(i / 1000) + (i % 7) / 10 end
            p:append("signal", xs, ys)
            static:line(xs, ys)
            gz.Stack({p, static}):show()
            """)
        #expect(harness.boot.error == nil)
        let render = try await harness.hello()
        let root = try #require(render.first(where: { $0.op == "render" })?["node"] as? [String: Any])
        let kids = try #require(root["kids"] as? [[String: Any]])
        let live = try #require(kids[0]["live"] as? [String: Any])
        let points = try #require(Self.adds(live).first)
        let xs = try #require(points["x"] as? [Double])
        let seqs = try #require(points["seqs"] as? [Int])
        #expect(xs.count <= 4 * 600 && xs.count >= 1000, "\(xs.count) points")
        #expect(seqs.count == xs.count && seqs.first == 1 && seqs.last == 200000)
        #expect(seqs == seqs.sorted())
        // The line drawn in Lua is reduced the same way.
        let svg = try #require(kids[1]["html"] as? String)
        let segments = svg.components(separatedBy: "L").count
        #expect(segments <= 4 * 600, "\(segments) segments")
        // The whole render stays small: not 200,000 points.
        let size = try JSONSerialization.data(withJSONObject: root).count
        #expect(size < 400_000, "\(size) bytes")
    }

    @Test func appendingToADrawnLineMakesItLiveWithAllItsPoints() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            local p = gz.Plot()
            p:line({1, 2, 3}, {1, 4, 9}, {label = "squares"})
            gz.Stack({p, gz.Button("more", {on_click = function() p:append("squares", 4, 16) end})}):show()
            """)
        #expect(harness.boot.error == nil)
        try await harness.hello()
        let commands = try await harness.click(try #require(harness.callback(label: "more")))
        let plot = try #require(commands.first { $0.op == "plot" })
        let svg = try #require(plot.string("v") ?? plot.string("svg"))
        #expect(svg.contains("gz-plot-live"))
        let add = try #require(Self.adds(plot.fields).first)
        #expect(add["x"] as? [Double] == [1, 2, 3, 4])
        #expect(plot["series"] as? [Int] == [1])
    }

    @Test func clearAndStaticMethodsKeepWorkingBesideAppendedSeries() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            local p = gz.Plot()
            p:line({1, 2}, {1, 2}, {label = "fixed"}):append("live", {1, 2}, {2, 1})
            gz.Stack({p, gz.Button("title", {on_click = function() p:title("T") end}),
                      gz.Button("clear", {on_click = function() p:clear() end})}):show()
            """)
        #expect(harness.boot.error == nil)
        try await harness.hello()
        let titled = try await harness.click(try #require(harness.callback(label: "title")))
        #expect(titled.map(\.op) == ["plot"])
        #expect(titled.first?.string("svg")?.contains(">T</text>") == true)
        let titledAdds = Self.adds(titled.first?.fields)
        #expect(titledAdds.isEmpty) // the page has the points already
        let cleared = try await harness.click(try #require(harness.callback(label: "clear")))
        #expect(cleared.map(\.op) == ["html"]) // no appended series left: an SVG as before
    }

    @Test(arguments: [
        ("gz.Plot{max_points = 0}", "test.lua:2: Plot: argument #1 field 'max_points' must be a whole number from 1 to 1000000, not 0"),
        ("gz.Plot{max_points = 1.5}", "test.lua:2: Plot: argument #1 field 'max_points' must be a whole number from 1 to 1000000, not 1.5"),
        ("local p = gz.Plot()\np:append({}, {1}, {1})", "test.lua:3: append: argument #1 must be the series' label (a string), not table"),
        ("local p = gz.Plot()\np:append('a', {1, 2}, {1})", "test.lua:3: append: argument #3 must have as many values as argument #2 (2 and 1)"),
        ("local p = gz.Plot()\np:append('a', {1}, {'x'})", "test.lua:3: append: argument #3 must hold only numbers (item 1 is a string)"),
        ("local p = gz.Plot()\np:append('a', 'x', 1)", "test.lua:3: append: argument #2 must be a table, not string"),
    ])
    func appendArgumentsAreChecked(body: String, message: String) async throws {
        let harness = try await VMHarness("local gz = require('gizmo')\n" + body)
        #expect(harness.boot.error == message)
    }
}
