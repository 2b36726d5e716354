@testable import GizmoHarness
import Testing

/// The page's text as Chromium's innerText gives it (the cases were read
/// from Chromium 1xx with `--dump-dom`), finding inside HTML, and HTML the
/// small tokenizer reads.
@Suite struct SimulatedPageTextTests {
    /// A page showing `html` as component 1 (an Html component: `outer`).
    func page(_ html: String) -> SimulatedPage {
        .showing("{\"id\":1,\"outer\":\(PageJSON.string(html).text),\"cls\":[\"gz-html\"],\"on\":{\"click\":9,\"change\":10}}")
    }

    @Test(arguments: [
        ("<div><select><option>Apple</option><option selected>Banana</option></select>after</div>", "Apple\nBanana\nafter"),
        (#"<div><svg width="100" height="50"><title>T</title><text x="1" y="10">Loss</text><text x="1" y="30">Epoch</text></svg>x</div>"#, "Loss\nEpoch\nx"),
        (#"<div class="gz-shelf"><span>a</span><span>b</span>c<button class="gz-button">Go</button></div>"#, "a\nb\nc\nGo"),
        ("<div><p>one</p><p>two</p><span>in</span><span>line</span><br>next</div>", "one\ntwo\ninline\nnext"),
        ("<div><div class=\"gz-text\">l1\nl2   spaced</div><textarea>ta</textarea><input value=\"iv\"><progress value=\"3\" max=\"10\"></progress><label>L <input type=\"checkbox\"> box</label></div>", "l1\nl2 spaced\nL box"),
        ("<div><table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table><ul><li>x</li><li>y</li></ul></div>", "a b\nc d\nx\ny"),
        (#"<div><div style="visibility:hidden">hid<span style="visibility:visible">vis</span></div><div hidden>gone</div><div class="gz-stack" hidden>stackhidden</div></div>"#, "vis\nstackhidden"),
        ("<div>a&nbsp;&nbsp;b <b>bold</b>  c\nd</div>", "a b bold c d"),
        (##"<div><button>B1</button><button>B2</button><img alt="pic"><a href="#">link</a></div>"##, "B1B2link"),
        ("<div><div>x</div>\n<div style=\"display:none\">none</div><script>var s = '<b>no</b>';</script><style>p{}</style></div>", "x"),
        ("<p>Fish &amp; chips &lt;3 &#x1F600; &#39;q&#39; &copy &unknown;</p>", "Fish & chips <3 😀 'q' © &unknown;"),
        ("<ul><li>one<li>two</ul><p>para<div>block</div>", "one\ntwo\npara\nblock"),
    ])
    func innerText(html: String, expected: String) {
        #expect(page(html).text() == expected)
    }

    @Test func elementsInsideHTMLAreFoundAndClicksBubbleToTheComponent() throws {
        let page = page(##"<div><a href="#more" id="m">More</a> <label for="q">Query</label><input id="q" placeholder="search"><input aria-label="Amount" type="number"></div>"##)
        let link = try page.find(.init(role: "link"))
        #expect(link < 0) // an element inside the component's HTML
        #expect(page.text(of: link) == "More")
        try page.click(link)
        let sent = page.messagesToSend().map(message)
        #expect(sent.count == 1)
        #expect(sent[0]["cb"] as? Int == 9)
        let event = (sent[0]["args"] as? [[String: Any]])?.first
        #expect(event?["type"] as? String == "click")
        #expect(event?["eventPhase"] as? Int == 3) // bubbled to the component
        let query = try page.find(.label("Query"))
        #expect(try page.find(.placeholder("search")) == query)
        try page.type(query, "x")
        let typed = page.messagesToSend().map(message)
        // No input listener: the change bubbles to the component's.
        #expect(typed.map { $0["cb"] as? Int } == [10])
        #expect(((typed[0]["args"] as? [[String: Any]])?.first?["value"]) as? String == "x")
        #expect(page.value(of: try page.find(.label("Amount"))) == "")
    }

    @Test func exactMatchesWinAndSubstringsMustBeUnique() throws {
        let page = page("<div><button>Save</button><button>Save all</button><span>Saved at noon</span></div>")
        #expect(page.text(of: try page.find(.text("Save"))) == "Save")
        #expect(page.text(of: try page.find(.text("noon"))) == "Saved at noon")
        #expect(throws: PageError.self) { try page.find(.text("sav")) }
        #expect(page.findAll(.text("sav")).count == 3)
        #expect(page.text(of: try page.find(.init(text: "sav", nth: 2))) == "Save all")
    }

    @Test func fieldsetsDisableWhatTheyHold() throws {
        let page = page("<fieldset disabled><legend><button>In legend</button></legend><button>Inside</button></fieldset>")
        #expect(page.isEnabled(try page.find(.text("In legend"))))
        #expect(!page.isEnabled(try page.find(.text("Inside"))))
    }

    @Test func commandsChangeWhatIsShown() throws {
        let page = page("<div><span class=\"x\">one</span></div>")
        page.apply(#"[{"op":"frame","n":1},{"op":"css","id":1,"v":{"display":"none"}}]"#)
        #expect(page.text() == "")
        page.apply(#"[{"op":"frame","n":2},{"op":"css","id":1,"v":{"display":null}},{"op":"html","id":1,"v":"<b>two</b>"},{"op":"append","id":1,"node":{"id":2,"tag":"p","text":"three","attrs":{"hidden":true}}}]"#)
        #expect(page.text() == "two")
        page.apply(#"[{"op":"frame","n":3},{"op":"attr","id":2,"v":{"hidden":false}},{"op":"kids","id":1,"nodes":[{"id":3,"tag":"i","text":"four"}]}]"#)
        #expect(page.text() == "four")
        #expect(throws: PageError.self) { try page.element(2) } // forgotten with the old children
    }
}
