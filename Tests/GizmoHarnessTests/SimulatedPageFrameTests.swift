@testable import GizmoHarness
import Testing

/// Frames as gizmo.js applies them: headers, numbering, replays, gaps,
/// acknowledgements and resending, and hostile frames.
@Suite struct SimulatedPageFrameTests {
    static let render = #"{"op":"render","g":1,"node":{"id":1,"tag":"div","cls":["gz-stack"],"kids":[{"id":2,"tag":"button","cls":["gz-button"],"text":"Go","attrs":{"type":"button"},"on":{"click":5}},{"id":3,"tag":"div","cls":["gz-text"],"text":"idle"}]}}"#

    func welcomed(acked: Int = 0, n: Int = 0) -> SimulatedPage {
        let page = SimulatedPage(pageID: "p1")
        _ = page.hello()
        page.apply("[{\"op\":\"welcome\",\"n\":\(n),\"acked\":\(acked)},\(Self.render)]")
        return page
    }

    @Test func helloNamesThePageAndTheLastFrameApplied() {
        let page = SimulatedPage(pageID: "p1")
        #expect(page.hello() == #"{"t":"hello","v":2,"p":"p1","n":null}"#)
        page.apply(#"[{"op":"welcome","n":4,"acked":0},"# + Self.render + "]")
        page.apply(#"[{"op":"frame","n":5},{"op":"text","id":3,"v":"busy"}]"#)
        #expect(page.hello() == #"{"t":"hello","v":2,"p":"p1","n":5}"#)
    }

    @Test func framesApplyInOrderReplaysAreSkippedAndAGapAsksForAReconnect() {
        let page = welcomed(n: 3)
        #expect(page.text() == "Go\nidle")
        page.apply(#"[{"op":"frame","n":4},{"op":"text","id":3,"v":"four"}]"#)
        page.apply(#"[{"op":"frame","n":4},{"op":"text","id":3,"v":"replayed"}]"#)
        #expect(page.text(of: 3) == "four")
        #expect(!page.needsReconnect)
        page.apply(#"[{"op":"frame","n":6},{"op":"text","id":3,"v":"six"}]"#)
        #expect(page.needsReconnect)
        #expect(page.text(of: 3) == "four")
        page.apply(#"[{"op":"frame","n":5},{"op":"text","id":3,"v":"ignored: the page gave this socket up"}]"#)
        #expect(page.text(of: 3) == "four")
        // The hello of the reconnect asks for what came after frame 4.
        #expect(page.hello().hasSuffix(#""n":4}"#))
        #expect(!page.needsReconnect)
        page.apply(#"[{"op":"welcome","n":4,"acked":0,"resume":true}]"#)
        page.apply(#"[{"op":"frame","n":5},{"op":"text","id":3,"v":"five"}]"#)
        #expect(page.text(of: 3) == "five")
    }

    @Test func beforeTheWelcomeOnlyACloseCounts() {
        let page = SimulatedPage(pageID: "p1")
        _ = page.hello()
        page.apply(#"[{"op":"frame","n":1},"# + Self.render + "]")
        #expect(page.text() == "")
        page.apply(#"[{"op":"close","msg":"This session has 16 pages already."}]"#)
        #expect(page.closedMessage == "This session has 16 pages already.")
    }

    @Test func commandsForAnotherPageAreSkipped() {
        let page = welcomed()
        page.apply(#"[{"op":"frame","n":1},{"op":"error","msg":"for p2","to":"p2"},{"op":"error","msg":"for me","to":"p1"},{"op":"notice","msg":"for all"}]"#)
        #expect(page.tray == ["for me", "for all"])
    }

    @Test func messagesAreNumberedKeptUntilAcknowledgedAndResentAfterAWelcome() throws {
        let page = welcomed()
        try page.click(2)
        try page.click(2)
        let sent = page.messagesToSend()
        #expect(sent.count == 2)
        #expect(message(sent[0])["m"] as? Int == 1)
        #expect(message(sent[1])["m"] as? Int == 2)
        #expect(message(sent[1])["p"] as? String == "p1")
        #expect(message(sent[1])["cb"] as? Int == 5)
        #expect(message(sent[1])["g"] as? Int == 1)
        #expect(page.messagesToSend().isEmpty) // handed out once
        page.apply(#"[{"op":"frame","n":1},{"op":"ack","to":"p1","m":1}]"#)
        // The connection drops; a third click waits in the page.
        try page.click(2)
        _ = page.hello()
        #expect(page.messagesToResend().isEmpty) // nothing before the welcome
        page.apply(#"[{"op":"welcome","n":1,"acked":1,"resume":true}]"#)
        let resent = page.messagesToResend()
        #expect(resent.map { message($0)["m"] as? Int } == [2, 3])
        #expect(page.messagesToSend().isEmpty) // resent, not sent twice
    }

    @Test func aCloseEndsThePageAndActionsSaySo() {
        let page = welcomed()
        page.apply(#"[{"op":"close","msg":"The session has ended."}]"#)
        #expect(page.closedMessage == "The session has ended.")
        #expect(throws: PageError.self) { try page.click(2) }
        page.apply(#"[{"op":"frame","n":1},{"op":"text","id":3,"v":"after close"}]"#)
        #expect(page.text(of: 3) == "idle")
    }

    @Test func anOverlayShowsUntilTheNextRender() {
        let page = welcomed()
        page.apply(#"[{"op":"frame","n":1},{"op":"overlay","title":"Reload failed","msg":"test.lua:3: oops"}]"#)
        #expect(page.overlay?.title == "Reload failed")
        #expect(page.overlay?.message == "test.lua:3: oops")
        #expect(throws: PageError.self) { try page.click(2) }
        page.apply(#"[{"op":"frame","n":2},"# + Self.render.replacingOccurrences(of: #""g":1"#, with: #""g":2"#) + "]")
        #expect(page.overlay == nil)
        try? page.click(2)
        #expect(message(page.messagesToSend().last ?? "")["g"] as? Int == 2)
    }

    @Test func getsWaitForTheTestsAnswerAsJavaScriptText() {
        let page = welcomed()
        page.apply(#"[{"op":"frame","n":1},{"op":"get","req":7,"expr":{"get":[{"root":"window"},"innerWidth"]},"to":"p1"},{"op":"get","req":8,"expr":{"call":[{"get":[{"get":[{"root":"window"},"localStorage"]},"getItem"]},["k"]]}},{"op":"get","req":9,"expr":{"get":[{"el":3},"value"]}}]"#)
        #expect(page.pendingGets.map(\.expression) == ["window.innerWidth", #"window.localStorage.getItem("k")"#, "el(3).value"])
        page.reply(to: 7, value: "1280")
        page.reply(to: 8, error: "TypeError: nope")
        #expect(page.pendingGets.map(\.req) == [9])
        let sent = page.messagesToSend().map(message)
        #expect(sent[0]["t"] as? String == "reply")
        #expect(sent[0]["ok"] as? Bool == true)
        #expect(sent[0]["v"] as? Int == 1280)
        #expect(sent[1]["ok"] as? Bool == false)
        #expect(sent[1]["err"] as? String == "TypeError: nope")
    }

    // MARK: Hostile frames

    @Test func aFrameThatIsNotJSONOrNotAnArrayGoesToTheTray() {
        let page = welcomed()
        page.apply("not json at all")
        page.apply(#"{"op":"text"}"#)
        page.apply("")
        #expect(page.tray.count == 3)
        #expect(page.tray[0].hasPrefix("Ignored a frame from the server that is not JSON"))
        #expect(page.tray[1] == "Ignored a frame from the server that is not an array of commands.")
        #expect(page.text() == "Go\nidle")
    }

    @Test func anUnknownOpOrABadCommandIsReportedToTheServerAndTheRestRuns() {
        let page = welcomed()
        page.apply(#"[{"op":"frame","n":1},{"op":"explode"},{"op":"text","id":99,"v":"x"},{"op":"append","id":1,"node":{"tag":"p"}},7,{"op":"text","id":3,"v":"still here"}]"#)
        let errors = page.messagesToSend().map(message)
        #expect(errors.count == 4)
        #expect(errors.allSatisfy { $0["t"] as? String == "error" })
        #expect((errors[0]["msg"] as? String)?.hasPrefix("unknown op \"explode\"") == true)
        #expect(errors[1]["msg"] as? String == "text: no component with id 99")
        #expect(errors[1]["op"] as? String == "text")
        #expect((errors[2]["msg"] as? String)?.contains("a node needs an \"id\"") == true)
        #expect((errors[3]["msg"] as? String)?.hasPrefix("unknown op null") == true)
        #expect(page.text(of: 3) == "still here")
    }

    @Test func deepJSONIsAFrameThatIsNotJSON() {
        let page = welcomed()
        page.apply(String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000))
        #expect(page.tray.count == 1)
        #expect(page.text() == "Go\nidle")
    }

    @Test func nodesNestedPastTheBoundAreACommandError() {
        let page = welcomed()
        var node = #"{"id":1000,"tag":"span","text":"deep"}"#
        for i in 0..<450 { node = "{\"id\":\(1001 + i),\"tag\":\"div\",\"kids\":[\(node)]}" }
        page.apply("[{\"op\":\"frame\",\"n\":1},{\"op\":\"append\",\"id\":1,\"node\":\(node)},{\"op\":\"text\",\"id\":3,\"v\":\"next\"}]")
        // Past the JSON parser's bound it is not JSON (the tray); within it, past the page's an error message.
        #expect(page.tray.count + page.messagesToSend().count == 1)
        #expect(page.text().hasPrefix("Go"))
    }

    @Test func deepHTMLNestsNoFurtherThanChromiumAndHugeTextIsJustText() {
        let page = welcomed()
        let html = String(repeating: "<div>", count: 50_000) + "bottom" + String(repeating: "</div>", count: 50_000)
        page.apply("[{\"op\":\"frame\",\"n\":1},{\"op\":\"html\",\"id\":3,\"v\":\"\(html)\"}]")
        #expect(page.text(of: 3) == "bottom")
        let huge = String(repeating: "x", count: 5_000_000)
        page.apply("[{\"op\":\"frame\",\"n\":2},{\"op\":\"text\",\"id\":2,\"v\":\"\(huge)\"}]")
        #expect(page.text(of: 2).utf8.count == 5_000_000)
        #expect(page.tray.isEmpty)
        #expect(page.messagesToSend().isEmpty)
    }

    @Test func aMessageOverOneMebibyteIsRefusedInTheTray() throws {
        let page = welcomed()
        page.apply(#"[{"op":"frame","n":1},{"op":"get","req":1,"expr":{"root":"window"}}]"#)
        page.reply(to: 1, value: "\"" + String(repeating: "y", count: 1_100_000) + "\"")
        let sent = page.messagesToSend().map(message)
        #expect(sent.count == 1)
        #expect(sent[0]["ok"] as? Bool == false)
        #expect((sent[0]["err"] as? String)?.contains("1 MiB") == true)
        #expect(page.tray.first?.contains("over the 1 MiB limit") == true)
    }

    @Test func hostileNumbersInLiveDataAreJustNumbers() {
        let page = welcomed()
        page.apply(#"[{"op":"frame","n":1},{"op":"append","id":1,"node":{"id":9,"tag":"div","cls":["gz-log"],"live":{"kind":"log","seq":9223372036854775807,"lines":["a","b"],"keep":-9223372036854775807}}},{"op":"log","id":9,"seq":-9223372036854775807,"add":["c"],"keep":9223372036854775807,"clear":9223372036854775807},{"op":"plot","id":9,"svg":"<svg></svg>","series":[1],"add":[{"s":1,"first":-9223372036854775807,"seq":9223372036854775807,"x":[1,2],"y":[1,2]}]},{"op":"text","id":3,"v":1e20}]"#)
        #expect(page.text(of: 3) == "100000000000000000000")
        #expect(page.messagesToSend().isEmpty)
    }
}
