import Foundation
import GizmoLua
import Testing

/// gz.Plot (Resources/plot.lua): SVG in the component's HTML, one redraw per
/// turn, errors at the script's line, escaped text.
struct PlotTests {
    /// The `d` of every `<path class="gz-plot-series" ...>` in an SVG (a line series).
    private static func seriesPaths(_ svg: String) -> [String] {
        svg.components(separatedBy: #"<path class="gz-plot-series""#).dropFirst().compactMap { (element: String) -> String? in
            guard let start = element.range(of: #" d=""#) else { return nil }
            let rest = element[start.upperBound...]
            guard let end = rest.firstIndex(of: "\"") else { return nil }
            return String(rest[..<end])
        }
    }

    private static func count(_ needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    @Test func aPlotRendersAnSVGWithItsTitleAndLabels() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            local xs, ys = {}, {}
            for i = 1, 50 do xs[i] = i; ys[i] = math.sin(i / 5) end
            gz.Plot{title = "Waves", xlabel = "time", ylabel = "value"}
                :line(xs, ys, {label = "sin"})
                :scatter({10, 20}, {0.5, -0.5})
                :show()
            """)
        #expect(harness.boot.error == nil)
        let commands = try await harness.hello()
        let render = try #require(commands.first(where: { $0.op == "render" }))
        let node = try #require(render["node"] as? [String: Any])
        #expect(node["tag"] as? String == "div")
        #expect(node["cls"] as? [String] == ["gz-plot"])
        let svg = try #require(node["html"] as? String)
        #expect(svg.hasPrefix(#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 480 320" width="480" height="320" role="img" aria-label="Waves""#))
        #expect(svg.hasSuffix("</svg>"))
        #expect(svg.contains(#"class="gz-plot-title""#) && svg.contains(">Waves</text>"))
        #expect(svg.contains(">time</text>"))
        #expect(svg.contains(">value</text>") && svg.contains("rotate(-90"))
        #expect(svg.contains(#"class="gz-plot-axis""#))
        #expect(svg.contains(#"<g class="gz-plot-legend">"#) && svg.contains(">sin</text>"))
        #expect(Self.seriesPaths(svg).count == 1)
        #expect(Self.count("<circle", in: svg) == 2) // the scatter has no label: no legend swatch
        #expect(svg.contains("currentColor"))
        #expect(!svg.contains("0000000")) // no float noise in tick labels
    }

    @Test func anEmptyPlotDrawsItsAxes() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            gz.Plot{width = 300, height = 200}:show()
            """)
        #expect(harness.boot.error == nil)
        let node = try #require(try await harness.hello().first?["node"] as? [String: Any])
        let svg = try #require(node["html"] as? String)
        #expect(svg.contains(#"viewBox="0 0 300 200""#))
        #expect(svg.contains(">0.0</text>") && svg.contains(">1.0</text>")) // the default range 0..1
        #expect(Self.seriesPaths(svg).isEmpty)
    }

    @Test func oneClickThatChangesThePlotSeveralTimesSendsOneHTMLCommand() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            local p = gz.Plot{title = "before"}
            gz.Stack({p, gz.Button("redraw", {on_click = function()
                p:clear()
                p:line({1, 2, 3}, {1, 4, 9}, {label = "squares"})
                p:line({1, 2, 3}, {1, 2, 3}, {label = "identity"})
                p:title("after"):xlabel("n")
            end})}):show()
            """)
        #expect(harness.boot.error == nil)
        let render = try await harness.hello()
        let root = try #require(render.first?["node"] as? [String: Any])
        let plotNode = try #require((root["kids"] as? [[String: Any]])?.first)
        #expect((plotNode["html"] as? String)?.contains(">before</text>") == true)

        let button = try #require(harness.callback(label: "redraw"))
        let commands = try await harness.click(button)
        #expect(commands.map(\.op) == ["html"])
        let html = try #require(commands.first)
        #expect(html.int("id") == plotNode["id"] as? Int)
        let svg = try #require(html.string("v"))
        #expect(svg.contains(">after</text>") && !svg.contains(">before</text>"))
        #expect(Self.seriesPaths(svg).count == 2)
        #expect(svg.contains(">squares</text>") && svg.contains(">identity</text>"))

        // Clicking again replaces the series rather than adding to them.
        let again = try await harness.click(button)
        #expect(again.map(\.op) == ["html"])
        let againSVG = try #require(again.first?.string("v"))
        #expect(Self.seriesPaths(againSVG).count == 2)
    }

    @Test func nonFiniteValuesLeaveAGapInALine() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            gz.Plot():line({1, 2, 3, 4, 5, 6}, {1, 2, 0/0, 4, 5, math.huge}):show()
            """)
        #expect(harness.boot.error == nil)
        let node = try #require(try await harness.hello().first?["node"] as? [String: Any])
        let svg = try #require(node["html"] as? String)
        let path = try #require(Self.seriesPaths(svg).first)
        #expect(Self.count("M", in: path) == 2)
        #expect(Self.count("L", in: path) == 2)
        #expect(!svg.contains("nan") && !svg.contains("inf"))
    }

    @Test(arguments: [
        ("gz.Plot(5)", "test.lua:2: Plot: argument #1 must be a table, not number"),
        ("gz.Plot{width = 'wide'}", "test.lua:2: Plot: argument #1 field 'width' must be a positive number, not string"),
        ("local p = gz.Plot()\np:line({1, 2, 3}, {1, 2})",
         "test.lua:3: line: argument #2 must have as many values as argument #1 (3 and 2)"),
        ("local p = gz.Plot()\np:line(5, {1})", "test.lua:3: line: argument #1 must be a table, not number"),
        ("local p = gz.Plot()\n\np:scatter({1}, {'a'})",
         "test.lua:4: scatter: argument #2 must hold only numbers (item 1 is a string)"),
        ("local p = gz.Plot()\np:line({1}, {1}, {width = 'thick'})",
         "test.lua:3: line: argument #3 field 'width' must be a number >= 0, not string"),
        ("local p = gz.Plot()\np.title('x')", "test.lua:3: title: call it as a method of a plot (plot:title(...))"),
    ])
    func badArgumentsAreErrorsAtTheScriptLine(body: String, expected: String) async throws {
        // The first gz.Plot call loads the plot part: its errors too must point at the script.
        let harness = try await VMHarness("local gz = require(\"gizmo\")\n" + body)
        #expect(harness.boot.error == expected)
    }

    @Test func textIsEscaped() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            local evil = [[<script>alert("x")</script> & 'co']]
            gz.Plot{title = evil, xlabel = evil, ylabel = evil}
                :line({1, 2}, {3, 4}, {label = "<b>bold</b>", color = '"><script>'})
                :show()
            """)
        #expect(harness.boot.error == nil)
        let node = try #require(try await harness.hello().first?["node"] as? [String: Any])
        let svg = try #require(node["html"] as? String)
        #expect(!svg.contains("<script") && !svg.contains("<b>"))
        let escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;"
        #expect(Self.count(">" + escaped + "</text>", in: svg) == 3) // title, x label, y label
        #expect(svg.contains(#"aria-label="\#(escaped)""#))
        #expect(svg.contains(">&lt;b&gt;bold&lt;/b&gt;</text>"))
        #expect(svg.contains(#"stroke="&quot;&gt;&lt;script&gt;""#))
    }
}
