import GizmoLua
import GizmoTestFixtures
import Testing

/// Frames in both directions, as docs/protocol.md defines them.
struct ProtocolTests {
    /// The browser tests' click counter: "Click me" turns "waiting" into "clicked N".
    static let counter = Fixture.gizmo("click_counter.lua")

    @Test func helloGetsAFullRenderFirst() async throws {
        let harness = try await VMHarness(Self.counter)
        let commands = try await harness.hello()
        #expect(commands.count == 1)
        let node = try #require(commands.first?["node"] as? [String: Any])
        #expect(node["tag"] as? String == "div")
        #expect(node["cls"] as? [String] == ["gz-stack"])
        let kids = try #require(node["kids"] as? [[String: Any]])
        #expect(kids.map { $0["text"] as? String } == ["Click me", "waiting"])
        #expect(kids[0]["attrs"] as? [String: String] == ["type": "button"])
    }

    /// What the main code asks of the page before any page exists is kept
    /// and sent after the first render; a get's timeout starts only then.
    @Test func mainCodePageCommandsWaitForTheFirstPage() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            local label = gz.Text("asking")
            label:show()
            gz.document.title = "set early"
            gz.send(gz.window.console.log("early"))
            local width = gz.get(gz.window.innerWidth, { timeout = 0.2 })
            label:text("width " .. width)
            """)
        try await Task.sleep(for: .milliseconds(400)) // longer than the get's timeout
        let first = try await harness.hello()
        // (A `drop` may follow: the proxy gz.send returned was never kept.)
        #expect(Array(first.map(\.op).prefix(4)) == ["render", "exec", "exec", "get"])
        let request = try #require(first.first { $0.op == "get" }?.int("req"))
        let reply = await harness.send(#"{"t":"reply","req":\#(request),"ok":true,"v":800}"#)
        #expect(reply.first?.string("v") == "width 800")
        // A second page (a reload) gets the render only: the commands ran once.
        #expect(try await harness.hello().map(\.op) == ["render"])
    }

    @Test func oneClickIsOneFrameWithTheUpdate() async throws {
        let harness = try await VMHarness(Self.counter)
        try await harness.hello()
        let button = try #require(harness.callback(label: "Click me"))
        let first = try await harness.click(button)
        #expect(first.map(\.op) == ["text"])
        #expect(first.first?.string("v") == "clicked 1")
        #expect(try await harness.click(button).first?.string("v") == "clicked 2")
    }

    @Test func allCommandsOfATurnShareOneFrame() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            local a, b = gz.Text("a"), gz.Text("b")
            gz.Stack({gz.Button("go", {on_click = function()
                a:text("A"); b:css({color = "red"}); a:add_class("x"); gz.send(gz.window.console:log("hi"))
            end}), a, b}):show()
            """)
        try await harness.hello()
        await harness.vm.receive(#"{"t":"call","cb":\#(harness.callback(label: "go")!),"args":[{}]}"#)
        let commands = harness.take()
        #expect(commands.map(\.op) == ["text", "css", "class", "exec"])
        let expr = try #require(commands[3]["expr"] as? [String: Any])
        let call = try #require(expr["call"] as? [Any])
        let callee = try #require(call[0] as? [String: Any])
        let get = try #require(callee["get"] as? [Any])
        #expect(get[1] as? String == "log") // `:` drops the receiver from the arguments
        #expect(call[1] as? [String] == ["hi"])
    }

    /// Components keep no "on the page" flag, no empty child list and their
    /// one class as a string (memory per idle session); what the page is
    /// told must not change for it.
    @Test func onlyComponentsOnThePageSendUpdates() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            local shown, spare = gz.Stack({}), gz.Stack({})
            local moved, loose = gz.Text("moved"), gz.Text("loose")
            gz.Stack({gz.Button("go", {on_click = function()
                loose:text("not sent")                       -- never on the page
                shown:add(moved)                             -- append
                moved:add_class("x"):add_class("x")          -- one class command
                moved:remove_class("gz-text")                -- the base class can go
                spare:add(moved)                             -- moved off the page
                moved:text("not sent either")
                shown:add("new")                             -- the list made on the way
            end}), shown}):show()
            """)
        let render = try #require(try await harness.hello().first)
        let root = try #require(render["node"] as? [String: Any])
        #expect(root["cls"] as? [String] == ["gz-stack"])
        #expect(root["tag"] as? String == "div")
        let commands = try await harness.click(harness.callback(label: "go")!)
        #expect(commands.map(\.op) == ["append", "class", "class", "append"])
        let appended = try #require(commands[0]["node"] as? [String: Any])
        #expect(appended["cls"] as? [String] == ["gz-text"] && appended["text"] as? String == "moved")
        #expect(commands[1].string("add") == "x" && commands[2].string("remove") == "gz-text")
        #expect((commands[3]["node"] as? [String: Any])?["text"] as? String == "new")
        // A second page gets the tree as it is now: `moved` lives in `spare`, off the page.
        let again = try #require(try await harness.hello().first?["node"] as? [String: Any])
        let kids = try #require(again["kids"] as? [[String: Any]])
        let shownNode = try #require(kids.last)
        #expect((shownNode["kids"] as? [[String: Any]])?.map { $0["text"] as? String } == ["new"])
    }

    /// Proxies live in a part loaded on first use; whichever door a script
    /// opens first (an element, gz.send, gz.window) must lead to the same thing.
    @Test func proxiesWorkWhicheverIsUsedFirst() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            local box = gz.Text("box")
            box:show()
            gz.send(box.element:focus())                    -- an element first
            assert(gz.window == gz.window, "gz.window is one proxy")
            local ok, err = pcall(gz.new, "Date")
            assert(not ok and err:find("must be a proxy", 1, true), err)
            """)
        #expect(harness.boot.error == nil)
        let commands = try await harness.hello()
        // The result gz.send kept is let go at once: nothing holds its proxy.
        #expect(commands.map(\.op) == ["render", "exec", "drop"])
        let call = try #require((commands[1]["expr"] as? [String: Any])?["call"] as? [Any])
        let callee = try #require((call[0] as? [String: Any])?["get"] as? [Any])
        #expect((callee[0] as? [String: Any])?["el"] as? Int == 1)
        #expect(callee[1] as? String == "focus")
    }

    @Test(arguments: [
        ("not json", "not valid JSON"),
        (#"[1,2]"#, "no type field"),
        (#"{"t":"dance"}"#, "unknown type 'dance'"),
        (#"{"t":"call","cb":999,"args":[]}"#, "unknown callback id 999"),
    ])
    func badMessagesGetAnErrorAndTheSessionGoesOn(message: String, expected: String) async throws {
        let harness = try await VMHarness(Self.counter)
        try await harness.hello()
        let commands = await harness.send(message)
        #expect(commands.count == 1)
        #expect(commands.first?.op == "error")
        #expect(commands.first?.string("msg")?.contains(expected) == true)
        let button = try #require(harness.callback(label: "Click me"))
        #expect(try await harness.click(button).first?.string("v") == "clicked 1")
    }

    /// Another page's answer, or one after the timeout: nobody waits for it,
    /// and that is no error (a session may have several pages).
    @Test func aReplyNobodyWaitsForIsDroppedQuietly() async throws {
        let harness = try await VMHarness(Self.counter)
        try await harness.hello()
        #expect(await harness.send(#"{"t":"reply","req":77,"ok":true,"v":1}"#).isEmpty)
        let button = try #require(harness.callback(label: "Click me"))
        #expect(try await harness.click(button).first?.string("v") == "clicked 1")
    }

    @Test func oversizedMessagesAreRefused() async throws {
        let harness = try await VMHarness(Self.counter, limits: SessionLimits(maxMessageBytes: 1000))
        try await harness.hello()
        let commands = await harness.send(#"{"t":"hello","pad":"\#(String(repeating: "x", count: 2000))"}"#)
        #expect(commands.first?.string("msg")?.contains("over the 1000 byte limit") == true)
    }

    /// A page's own text (its JavaScript error) is quoted cut short and with
    /// control characters shown, to the page that sent it: a page cannot
    /// flood the log or forge lines in it.
    @Test func aPagesErrorIsEchoedCutShortAndEscaped() async throws {
        let harness = try await VMHarness(Self.counter)
        try await harness.hello()
        let flood = String(repeating: "z", count: 100_000)
        let commands = await harness.send(#"{"t":"error","p":"tab","m":1,"msg":"line\nforged\u001b[31m\#(flood)"}"#)
        let message = try #require(commands.first { $0.op == "error" }?.string("msg"))
        #expect(message.count < 1200)
        #expect(message.contains(#"line\x0aforged\x1b[31m"#))
        #expect(!message.contains("\n") && !message.contains("\u{1b}"))
        #expect(message.hasSuffix("... (cut)"))
    }

    /// The library is loaded without debug information; its frames are left
    /// out of tracebacks rather than shown as `?:`.
    @Test func tracebacksShowTheScriptsFramesOnly() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            local function explode() gz.Text("x"):css(5) end
            gz.Button("b", { on_click = function() explode() end }):show()
            """)
        try await harness.hello()
        let error = try await harness.click(try #require(harness.callback(label: "b"))).first
        #expect(error?.string("msg") == "test.lua:2: css: argument #1 must be a table, not number")
        let trace = try #require(error?.string("trace"))
        #expect(trace.contains("test.lua:2: in upvalue 'explode'"))
        #expect(!trace.contains("?:") && !trace.contains("in function 'error'"), "\(trace)")
    }

    @Test func luaErrorInAHandlerShowsFileLineAndTraceback() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            local function explode() error("kaboom") end
            gz.Button("bad", {on_click = function() explode() end}):show()
            """)
        try await harness.hello()
        let commands = try await harness.click(harness.callback(label: "bad")!)
        #expect(commands.first?.string("msg") == "test.lua:2: kaboom")
        #expect(commands.first?.string("trace")?.contains("in upvalue 'explode'") == true
            || commands.first?.string("trace")?.contains("explode") == true)
    }

    @Test func syntaxErrorIsAScriptError() async {
        await #expect {
            _ = try await VMHarness("local x = = 1", file: "broken.lua")
        } throws: { error in
            (error as? ScriptError)?.message.hasPrefix("broken.lua:1:") == true
        }
    }

    @Test func jsonRoundTripsThroughTheCodec() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            local json = gz.json
            local s = json.encode({a = 1, b = {true, false, 2.5}, c = "q\\"\\n\\u{e9}", e = json.array()})
            local back = json.decode(s)
            assert(back.a == 1 and back.b[3] == 2.5 and back.c == "q\\"\\n\\u{e9}")
            assert(json.encode("\\xff") == '"\\u{fffd}"', "invalid UTF-8 is replaced")
            assert(json.decode('"\\\\ud83d\\\\ude00"') == "\\u{1F600}", "surrogate pairs")
            assert(not pcall(json.decode, "{"), "truncated input is an error")
            local cyclic = {} cyclic.self = cyclic
            assert(not pcall(json.encode, cyclic), "cycles are an error")
            gz.Text(json.encode(json.decode('[1,2,3]'))):show()
            """)
        #expect(harness.boot.error == nil)
        let render = try await harness.hello()
        #expect((render.first?["node"] as? [String: Any])?["text"] as? String == "[1,2,3]")
    }
}
