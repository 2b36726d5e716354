@testable import GizmoHarness
import Testing

/// The events a person's action fires and the order their calls leave in,
/// as gizmo.js sends them (held `input`s first, the event's fields, the
/// target's value and checked).
@Suite struct SimulatedPageEventTests {
    func page(_ node: String) -> SimulatedPage { .showing(node, g: 3) }

    func calls(_ page: SimulatedPage) -> [(cb: Int, type: String, value: String?)] {
        page.messagesToSend().map(message).map { m in
            let event = (m["args"] as? [[String: Any]])?.first ?? [:]
            return (m["cb"] as? Int ?? 0, event["type"] as? String ?? "", event["value"] as? String)
        }
    }

    @Test func typedTextReachesLuaBeforeTheKeyThatFollowsIt() throws {
        let page = page(#"{"id":5,"tag":"input","attrs":{"type":"text","value":""},"on":{"input":1,"keydown":2}}"#)
        try page.type(5, "ab\n")
        let sent = calls(page)
        #expect(sent.map(\.cb) == [2, 1, 2, 1, 2])
        #expect(sent.map(\.type) == ["keydown", "input", "keydown", "input", "keydown"])
        #expect(sent.map(\.value) == ["", "a", "a", "ab", "ab"])
    }

    @Test func typingInOneGoSendsTheLatestInputThenChange() throws {
        let page = page(#"{"id":5,"tag":"input","attrs":{"type":"text","value":"old"},"on":{"input":1,"change":2}}"#)
        try page.type(5, "new")
        let sent = calls(page)
        #expect(sent.map(\.type) == ["input", "change"])
        #expect(sent.map(\.value) == ["new", "new"])
        let m = message(page.outbox.unacked.last!.text)
        #expect(m["g"] as? Int == 3)
        // Emptying a field is a Backspace over the selection.
        try page.type(5, "")
        #expect(calls(page).map(\.value) == ["", ""])
        #expect(page.value(of: 5) == "")
    }

    @Test func aClickCarriesTheMouseFieldsAndTheTargetsValue() throws {
        let page = page(#"{"id":1,"tag":"button","text":"Go","attrs":{"type":"button"},"on":{"click":4,"mousedown":5}}"#)
        try page.click(1)
        let sent = page.messagesToSend().map(message)
        #expect(sent.map { $0["cb"] as? Int } == [5, 4])
        let click = (sent[1]["args"] as? [[String: Any]])?.first ?? [:]
        #expect(click["type"] as? String == "click")
        #expect(click["button"] as? Int == 0)
        #expect(click["detail"] as? Int == 1)
        #expect(click["pointerType"] as? String == "mouse")
        #expect(click["isTrusted"] as? Bool == true)
        #expect(click["value"] as? String == "") // a button has a value
        #expect(click["checked"] == nil) // and no checked
    }

    @Test func aRadioGroupKeepsOneCheckedAndSendsChangeFromTheInput() throws {
        let html = #"<label class="gz-choice"><input type="radio" name="g" value="1" checked> One</label><label class="gz-choice"><input type="radio" name="g" value="2"> Two</label>"#
        let page = page("{\"id\":7,\"tag\":\"div\",\"cls\":[\"gz-choices\"],\"html\":\(PageJSON.string(html).text),\"on\":{\"change\":9}}")
        let one = try page.find(.init(label: "One"))
        let two = try page.find(.init(label: "Two"))
        #expect(page.checked(of: one) == true)
        try page.click(try page.find(.text("Two"))) // the label's text: its click reaches the radio
        #expect(page.checked(of: two) == true)
        #expect(page.checked(of: one) == false)
        let sent = page.messagesToSend().map(message)
        #expect(sent.count == 1)
        let change = (sent[0]["args"] as? [[String: Any]])?.first ?? [:]
        #expect(change["type"] as? String == "change")
        #expect(change["value"] as? String == "2")
        #expect(change["checked"] as? Bool == true)
        // Clicking the checked one again changes nothing.
        try page.click(two)
        #expect(page.messagesToSend().isEmpty)
        try page.choose(7, "One")
        #expect(page.checked(of: one) == true)
    }

    @Test func aTemplatePutsChildrenInItsSlotsAndANewListenerReplacesTheOld() throws {
        let page = page(#"{"id":1,"outer":"<div><p class=\"top\"></p><p class=\"bottom\"></p></div>","kids":[{"id":2,"tag":"button","text":"B","slot":"bottom","on":{"click":11}},{"id":3,"tag":"span","text":"T","slot":"top"}]}"#)
        #expect(page.text() == "T\nB")
        page.apply(#"[{"op":"frame","n":1},{"op":"on","id":2,"event":"click","cb":12}]"#)
        try page.click(2)
        #expect(page.messagesToSend().map { message($0)["cb"] as? Int } == [12])
        page.apply(#"[{"op":"frame","n":2},{"op":"on","id":2,"event":"click","cb":null}]"#)
        try page.click(2)
        #expect(page.messagesToSend().isEmpty)
        page.apply(#"[{"op":"frame","n":3},{"op":"append","id":1,"node":{"id":4,"tag":"i","text":"nowhere","slot":"missing"}}]"#)
        #expect((message(page.messagesToSend().first ?? "")["msg"] as? String)?.contains("no element of class \"missing\"") == true)
    }

    @Test func aPropBeatsTheAttributeAsInADOM() throws {
        let page = page(#"{"id":1,"tag":"input","attrs":{"value":"attr"}}"#)
        page.apply(#"[{"op":"frame","n":1},{"op":"prop","id":1,"v":{"value":"prop"}},{"op":"attr","id":1,"v":{"value":"later attr"}}]"#)
        #expect(page.value(of: 1) == "prop")
    }

    @Test func whatAPersonCannotDoIsRefusedWithAReason() throws {
        let page = page(#"{"id":1,"tag":"div","kids":[{"id":2,"tag":"button","text":"B"},{"id":3,"tag":"input","attrs":{"type":"range","min":0,"max":10}},{"id":4,"tag":"select","html":"<option>a</option><option disabled>b</option>"}]}"#)
        #expect(throws: PageError.self) { try page.type(2, "x") }
        #expect(throws: PageError.self) { try page.set(2, 1) }
        #expect(throws: PageError.self) { try page.choose(2, "a") }
        #expect(throws: PageError.self) { try page.choose(4, "b") } // a disabled option
        #expect(throws: PageError.self) { try page.set(3, .nan) }
        #expect(throws: PageError.self) { try page.click(99) }
        do { try page.type(2, "x") } catch { #expect(error.message.contains("button \"B\" does not take typed text")) }
        #expect(page.value(of: 3) == "5") // no value: the middle, as a browser
    }

    @Test func labelsThatPointAtEachOthersControlsClickOnce() throws {
        let html = #"<div><label for="c2">A <input id="c1" type="checkbox"></label><label for="c1">B <input id="c2" type="checkbox"></label></div>"#
        let page = page("{\"id\":1,\"outer\":\(PageJSON.string(html).text),\"on\":{\"click\":4}}")
        try page.click(try page.find(.text("A")))
        #expect(page.checked(of: try page.find(.init(role: "checkbox", nth: 2))) == true)
        #expect(page.checked(of: try page.find(.init(role: "checkbox", nth: 1))) == false)
        #expect(page.messagesToSend().count == 2) // the label's click, then the box's
    }
}
