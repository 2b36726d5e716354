import GizmoLua
@testable import GizmoServer
import Testing

/// The HTML of a first paint: what the browser's parser makes of it must be
/// what gizmo.js's `build` makes of the NODE; where it would not be, there
/// is none and the page renders over its socket.
struct FirstPaintHTMLTests {
    private func node(_ id: Int, tag: String? = "div", text: String? = nil, html: String? = nil,
                      outer: String? = nil, classes: [String] = [], kids: [RenderNode] = []) -> RenderNode {
        var node = RenderNode(id: id)
        node.tag = outer == nil ? tag : nil
        node.outer = outer
        node.text = text
        node.html = html
        node.classes = classes
        node.kids = kids
        return node
    }

    @Test func textAndAttributesAreEscapedAsTheDOMHoldsThem() throws {
        var root = node(1, text: "a < b & c > d\r\"quoted\" 'single'")
        root.attributes = [("title", .string("say \"hi\" & <bye>")), ("data-n", .integer(42)), ("hidden", .boolean(true)),
                           ("disabled", .boolean(false))]
        root.css = [("color", .string("red")), ("margin", .integer(0)), ("font-family", .string("\"Fira Code\", monospace"))]
        root.classes = ["gz-text", "big"]
        let html = try #require(FirstPaintHTML.html(of: root))
        #expect(html == #"<div data-gz-id="1" class="gz-text big" style="color: red; margin: 0; font-family: &quot;Fira Code&quot;, monospace" title="say &quot;hi&quot; &amp; <bye>" data-n="42" hidden="">a &lt; b &amp; c &gt; d&#13;"quoted" 'single'</div>"#)
    }

    @Test func cssKeepsTheOrderOfTheRender() throws {
        var root = node(1)
        root.css = [("margin-top", .string("1px")), ("margin", .string("0"))]
        #expect(FirstPaintHTML.html(of: root) == #"<div data-gz-id="1" style="margin-top: 1px; margin: 0"></div>"#)
    }

    @Test func anOuterElementTakesTheNodesIdClassesAndStyle() throws {
        var root = node(2, outer: "  <h1 class=\"title\" style=\"color: blue\" data-x=1>Hello <b>world</b></h1>\n", classes: ["gz-html", "title"])
        root.css = [("margin", .string("0"))]
        root.attributes = [("data-x", .string("2"))]
        #expect(FirstPaintHTML.html(of: root) == #"<h1 class="title gz-html" style="color: blue; margin: 0" data-x="2" data-gz-id="2">Hello <b>world</b></h1>"#)
    }

    @Test func outerHTMLOfSeveralNodesIsWrappedInADiv() {
        #expect(FirstPaintHTML.html(of: node(3, outer: "one <b>two</b>", classes: ["gz-html"]))
                == #"<div data-gz-id="3" class="gz-html">one <b>two</b></div>"#)
        #expect(FirstPaintHTML.html(of: node(3, outer: "<i>a</i><i>b</i>"))
                == #"<div data-gz-id="3"><i>a</i><i>b</i></div>"#)
    }

    @Test func aTemplatesChildrenGoIntoTheirSlots() {
        var pending = node(1, classes: ["list"]), done = node(2, classes: ["list"])
        pending.slot = "pending"
        done.slot = "done"
        let template = node(4, outer: #"<div class="cols"><section><div class="pending"></div></section><div class="done">x</div></div>"#,
                            kids: [pending, done])
        #expect(FirstPaintHTML.html(of: template)
                == #"<div class="cols" data-gz-id="4"><section><div class="pending"><div data-gz-id="1" class="list"></div></div></section><div class="done">x<div data-gz-id="2" class="list"></div></div></div>"#)
        // A child of a slot's class would be found first by the page's querySelector.
        var confusing = node(5, classes: ["done"])
        confusing.slot = "pending"
        #expect(FirstPaintHTML.html(of: node(4, outer: #"<div><div class="pending"></div><div class="done"></div></div>"#,
                                             kids: [confusing, done])) == nil)
        var nowhere = node(6)
        nowhere.slot = "missing"
        #expect(FirstPaintHTML.html(of: node(4, outer: "<div></div>", kids: [nowhere])) == nil)
    }

    @Test func aLogsLinesAreItsText() {
        var log = node(7, tag: "pre")
        log.logLines = ["", "<two>"]
        // The parser drops a line feed right after <pre>: one more is written.
        #expect(FirstPaintHTML.html(of: log) == "<pre data-gz-id=\"7\">\n\n&lt;two&gt;\n</pre>")
    }

    @Test func svgIsCarriedWithItsSelfClosedElements() {
        let plot = node(8, html: #"<svg viewBox="0 0 10 10"><g><path d="M0 0"/><text x="1">a &lt; b</text><title>t</title></g></svg>"#)
        #expect(FirstPaintHTML.html(of: plot) == #"<div data-gz-id="8"><svg viewBox="0 0 10 10"><g><path d="M0 0"/><text x="1">a &lt; b</text><title>t</title></g></svg></div>"#)
    }

    /// Each of these would parse into other elements than `build` makes, run
    /// a script the DOM would not, or read a value differently.
    @Test(arguments: [
        "<script>alert(1)</script>", "<style>p{}</style>", "<div>", "</div>", "<b><i></b></i>", "<table><tr><td>1</td></tr></table>",
        "<textarea>x</textarea>", "<template><p></p></template>", "<iframe></iframe>", "<!doctype html>", "<?x?>", "</ b>",
        "<span data-gz-id=\"3\"></span>", "<!-->", "<a href=x><a href=y></a></a>", "<p><div></div></p>", "<h1><h2></h2></h1>",
        "<li><li></li></li>", "<button><button></button></button>", "<svg><div></div></svg>", "<svg><script></script></svg>",
        "<br></br>", "<img></img>", "text\0nul", "<div title=\"unclosed>", "<form></form>", "<math></math>", "<select><b></b></select>",
    ])
    func fragmentsTheParserWouldReadOtherwiseAreRefused(html: String) {
        #expect(FirstPaintHTML.html(of: node(1, html: html)) == nil, "\(html)")
    }

    @Test func elementsAndValuesTheDOMWouldMakeOtherwiseAreRefused() {
        var badCSS = node(1)
        badCSS.css = [("color", .string("red; background: blue"))]
        var important = node(1)
        important.css = [("color", .string("red !important"))]
        var float = node(1)
        float.attributes = [("value", .other)]
        var badName = node(1)
        badName.attributes = [("on click", .string("x"))]
        var ownId = node(1)
        ownId.attributes = [("data-gz-id", .string("9"))]
        var unreadable = node(1)
        unreadable.unreadable = true
        let refused: [RenderNode] = [
            badCSS, important, float, badName, ownId, unreadable,
            node(1, tag: "script"), node(1, tag: "table"), node(1, tag: "svg", kids: [node(2)]),
            node(1, tag: "input", text: "x"), node(1, tag: "p", kids: [node(2)]), node(1, text: "a\0b"),
            node(1, classes: ["two words"]), node(1, tag: "a", kids: [node(2, tag: "a")]),
        ]
        for item in refused { #expect(FirstPaintHTML.html(of: item) == nil, "\(item)") }
        // A `p` with inline children is fine.
        #expect(FirstPaintHTML.html(of: node(1, tag: "p", kids: [node(2, tag: "span", text: "x")]))
                == #"<p data-gz-id="1"><span data-gz-id="2">x</span></p>"#)
    }

    @Test func aHugePageIsLeftToTheSocket() {
        let big = String(repeating: "x", count: FirstPaintHTML.maxBytes + 1)
        #expect(FirstPaintHTML.html(of: node(1, text: big))?.utf8.count == nil)
        // Deep and large: each level copies what is under it; the copying stops it early.
        var deep = node(0, text: String(repeating: "y", count: FirstPaintHTML.maxBytes / 2))
        for id in 1...100 { deep = node(id, kids: [deep]) }
        #expect(FirstPaintHTML.html(of: deep)?.utf8.count == nil)
    }
}
