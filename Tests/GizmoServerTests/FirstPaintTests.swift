import Foundation
import GizmoLua
import GizmoTestFixtures
@testable import GizmoServer
import HummingbirdTesting
import Testing

/// The child page arrives with the session's tree in its HTML and the render
/// beside it; its socket then resumes after that render's frame instead of
/// being rendered again (docs/protocol.md, "First paint").
@Suite(.serialized)
struct FirstPaintTests {
    /// The page's HTML, its first paint's frame number and render command.
    private func childPage(_ client: some TestClientProtocol, _ session: Session) async throws -> (html: String, frame: Int?, render: [String: Any]?) {
        try await client.execute(uri: "/gizmo/http/\(session.id)/index.html", method: .get) { response in
            let html = String(buffer: response.body)
            guard let start = html.range(of: #"<script type="application/json" id="gz-first" data-frame=""#) else { return (html, nil, nil) }
            let rest = html[start.upperBound...]
            let quote = try #require(rest.firstIndex(of: "\""))
            let frame = Int(rest[..<quote])
            let json = rest[rest.index(after: try #require(rest.firstIndex(of: ">")))...]
            let end = try #require(json.range(of: "</script>"))
            let render = try JSONSerialization.jsonObject(with: Data(json[..<end.lowerBound].utf8)) as? [String: Any]
            return (html, frame, render)
        }
    }

    @Test func thePageHoldsTheTreeAndItsSocketResumesWithoutARender() async throws {
        let (app, _, session) = try await GizmoApplicationTests().makeApp(grace: 60)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let (html, frame, render) = try await childPage(client, session)
            let root = try #require(html.range(of: #"<main id="gz-root">"#))
            #expect(html[root.upperBound...].hasPrefix(#"<div data-gz-id=""#))
            #expect(html.contains(">Click me</button>") && html.contains(">waiting</"))
            let n = try #require(frame)
            let node = try #require(render?["node"] as? [String: Any])
            let button = try #require((node["kids"] as? [[String: Any]])?.first)
            let callback = try #require((button["on"] as? [String: Int])?["click"])

            let page = TestPage(port: port, session: session.id)
            page.hello(page: "tab", n: n)
            let welcome = try await page.frame()
            #expect(welcome.count == 1, "the page has the tree: no render follows")
            #expect(welcome.first?["op"] as? String == "welcome" && welcome.first?["resume"] as? Bool == true)
            page.click(callback, page: "tab", m: 1)
            let update = try await page.update()
            #expect(update.text == "clicked 1" && update.n == n + 1)
            await page.close()
        }
    }

    /// The first paint made while the entry's redirect travels is the
    /// tree of that moment: a turn in between (a page's click) drops it, so
    /// the child page shows the tree as it is when it is asked for.
    @Test func aTurnDropsTheFirstPaintMadeAtBoot() async throws {
        let (app, _, session) = try await GizmoApplicationTests().makeApp(grace: 60)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            await session.executor.drain() // the first paint made after boot is ready
            #expect(session.vm.preparedSnapshot.withLock { $0 != nil })
            let page = TestPage(port: port, session: session.id)
            page.hello(page: "tab")
            let (_, callback) = try await page.join()
            page.click(callback, page: "tab", m: 1)
            #expect(try await page.update().text == "clicked 1")
            let (html, _, _) = try await childPage(client, session)
            #expect(html.contains(">clicked 1</") && !html.contains(">waiting</"))
            await page.close()
        }
    }

    /// The child page carries the entry link that started its session,
    /// escaped, relative to the entry page: its way back to a new session.
    @Test func theChildPageCarriesItsLaunchLink() {
        let html = ChildPage.html(title: "t", launch: #"./?module=a%20b&script=c&prefix=x"y"#)
        #expect(html.contains(#"<meta name="gz-launch" content="../../../?module=a%20b&amp;script=c&amp;prefix=x&quot;y">"#))
        #expect(!ChildPage.html(title: "t").contains(#"<meta name="gz-launch""#), "a session of gizmolua run has none")
    }

    @Test func framesBetweenThePageAndItsSocketAreKeptForIt() async throws {
        let (app, _, session) = try await GizmoApplicationTests().makeApp(grace: 60)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let n = try #require(try await childPage(client, session).frame)
            session.notice("the service restarted") // a frame before any page has joined
            let page = TestPage(port: port, session: session.id)
            page.hello(page: "tab", n: n)
            let welcome = try await page.frame()
            #expect(welcome.count == 1 && welcome.first?["resume"] as? Bool == true)
            let missed = try await page.frame()
            #expect(missed.first?["n"] as? Int == n + 1)
            #expect(missed.contains { $0["op"] as? String == "notice" })
            await page.close()
        }
    }

    /// Text a visitor typed (a to-do item) is in the page twice: as HTML
    /// text and inside the render's JSON. Neither may end its element early.
    @Test func textThatLooksLikeMarkupStaysText() async throws {
        let hostile = #"</script><script>alert(1)</script><!-- </main>   &amp; "#
        let script = """
        local gz = require("gizmo")
        gz.Text(\(hostile.debugDescription)):show()
        """
        let (app, _, session) = try await GizmoApplicationTests().makeApp(script, grace: 60)
        try await app.test(.live) { client in
            let (html, frame, render) = try await childPage(client, session)
            #expect(frame != nil)
            #expect(!html.contains("<script>alert(1)"))
            #expect(html.components(separatedBy: "</script>").count == html.components(separatedBy: "<script").count)
            #expect(html.contains("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;!-- &lt;/main&gt;"))
            let node = try #require(render?["node"] as? [String: Any])
            #expect(node["text"] as? String == hostile)
        }
    }

    @Test func aPageWhoseTreeCannotBeHTMLRendersOverItsSocket() async throws {
        let script = """
        local gz = require("gizmo")
        gz.Html("<table><tr><td>cells</td></tr></table>"):show()
        """
        let (app, _, session) = try await GizmoApplicationTests().makeApp(script, grace: 60)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let (html, frame, _) = try await childPage(client, session)
            #expect(frame == nil)
            #expect(html.contains(#"<main id="gz-root"></main>"#))
            let page = TestPage(port: port, session: session.id)
            page.hello(page: "tab")
            let welcome = try await page.frame()
            #expect(welcome.dropFirst().first?["op"] as? String == "render")
            await page.close()
        }
    }

    @Test func headScriptsComeBeforeTheRenderAndStyleSheetsInTheHead() async throws {
        let folder = TemporaryFolder()
        folder.write("lib.js", "window.answer = 42;")
        folder.write("look.css", "body { color: green }")
        let script = """
        local gz = require("gizmo")
        local t = gz.Text("x")
        t:js_file("lib.js")
        t:css_file("look.css")
        t:show()
        """
        let (app, _, session) = try await GizmoApplicationTests().makeApp(script, grace: 60, directory: folder.url)
        try await app.test(.live) { client in
            let (html, frame, _) = try await childPage(client, session)
            #expect(frame != nil)
            let head = try #require(html.range(of: "</head>"))
            #expect(html[..<head.lowerBound].contains(#"<link rel="stylesheet" href="look.css" data-gz-head="look.css">"#))
            let script = try #require(html.range(of: #"<script src="lib.js" data-gz-head="lib.js"></script>"#))
            let first = try #require(html.range(of: #"id="gz-first""#))
            #expect(script.lowerBound > head.lowerBound && script.lowerBound < first.lowerBound)
        }
    }
}
