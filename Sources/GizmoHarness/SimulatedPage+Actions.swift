/// A person's actions: the events each fires, in Chromium's order, and the
/// `call` messages gizmo.js makes of them for the listeners `on` added
/// (the target's listener, then its ancestors', as the event bubbles).
///
/// `input` events are held and sent once per animation frame, the latest
/// per listener, and before any other event (gizmo.js's `latestOnly` and
/// `sendHeldInputs`): what a person types in one go reaches Lua as its
/// last value, then `change`.
extension SimulatedPage {
    // MARK: Acting

    func click(_ id: Int) throws(PageError) {
        let el = try actionable(id, "click")
        if el.tag == "option", let select = el.ancestors.first(where: { $0.tag == "select" }) {
            try choose(select, option: el)
            return
        }
        focus(el)
        dispatch(.mouse("mousedown", buttons: 1), at: el)
        dispatch(.mouse("mouseup"), at: el)
        activate(el)
        animationFrame()
    }

    /// Replaces the field's text, as a person selecting all of it and typing
    /// `text`; a `\n` presses Enter (a new line in a text area).
    func type(_ id: Int, _ text: String) throws(PageError) {
        let el = try actionable(id, "type into")
        guard el.takesText else {
            throw PageError("\(describe(el)) does not take typed text: type into a text field or text area; click a button, choose from a dropdown or radio buttons, set a slider")
        }
        guard !el.hasAttribute("readonly") else { throw PageError("\(describe(el)) is read-only: a person cannot type into it") }
        focus(el)
        var committed = el.formValue ?? ""
        let limit = Int(el.attribute("maxlength") ?? "").flatMap { $0 >= 0 ? $0 : nil }
        var selectedAll = true
        func press(_ key: String, data: String?, inputType: String, edit: (String) -> String) {
            dispatch(.key("keydown", key), at: el)
            dispatch(.key("keypress", key), at: el)
            let before = el.formValue ?? ""
            var after = edit(selectedAll ? "" : before)
            if let limit, after.utf16.count > limit { after = String(after.utf16.prefix(limit)) ?? after }
            selectedAll = false
            if after != before || inputType == "insertLineBreak" {
                el.dirtyValue = after
                dispatch(.textInput(data: data, inputType: inputType), at: el)
            }
            dispatch(.key("keyup", key), at: el)
        }
        if text.isEmpty {
            if !(el.formValue ?? "").isEmpty { press("Backspace", data: nil, inputType: "deleteContentBackward") { _ in "" } }
        }
        for character in text {
            if character.isNewline {
                if el.tag == "textarea" {
                    press("Enter", data: nil, inputType: "insertLineBreak") { $0 + "\n" }
                } else {
                    // Enter in a field commits it: `change` if the text changed.
                    dispatch(.key("keydown", "Enter"), at: el)
                    dispatch(.key("keypress", "Enter"), at: el)
                    if el.formValue != committed {
                        dispatch(.plain("change"), at: el)
                        committed = el.formValue ?? ""
                    }
                    dispatch(.key("keyup", "Enter"), at: el)
                    selectedAll = false
                }
            } else {
                let key = String(character)
                press(key, data: key, inputType: "insertText") { $0 + key }
            }
        }
        animationFrame()
        // The person moves on: the field loses focus and reports its change.
        if el.formValue != committed { dispatch(.plain("change"), at: el) }
        animationFrame()
    }

    /// Chooses from a dropdown (an option's label or value), radio buttons
    /// or check boxes (a choice's label or value: it ends up checked), or
    /// sets one check box or radio button ("true"/"false").
    func choose(_ id: Int, _ value: String) throws(PageError) {
        var el = try actionable(id, "choose from")
        if el.tag == "label", let control = el.labelledControl(under: root) { el = control }
        if el.tag == "option", let select = el.ancestors.first(where: { $0.tag == "select" }) { el = select }
        if el.tag == "select" {
            let options = el.options
            let wanted = PageNode.collapse(value)
            let option = options.first { PageNode.collapse($0.textContent) == wanted }
                ?? options.first { $0.attribute("value") == value }
                ?? options.first { PageNode.collapse($0.textContent).caseInsensitiveCompare(wanted) == .orderedSame }
            guard let option else {
                throw PageError("\(describe(el)) has no option \(PageJSON.string(value).text); its options: \(options.map { PageJSON.string(PageNode.collapse($0.textContent)).text }.joined(separator: ", "))")
            }
            try choose(el, option: option)
            return
        }
        if el.isCheckable {
            let truth: [String: Bool] = ["true": true, "on": true, "yes": true, "1": true, "checked": true,
                                         "false": false, "off": false, "no": false, "0": false, "unchecked": false]
            // A radio button found by its label is chosen by any value but a
            // false one: the Lua value a test names is not in the page.
            let byLabel = el.labels(under: root).contains { $0.caseInsensitiveCompare(PageNode.collapse(value)) == .orderedSame }
            let wanted = truth[value.lowercased()] ?? (el.inputType == "radio" || byLabel ? true : nil)
            guard let wanted else {
                throw PageError("\(describe(el)) is one check box: choose \"true\" or \"false\" (or choose by label from the group around it)")
            }
            if el.isChecked == wanted { return }
            if !wanted && el.inputType == "radio" {
                throw PageError("\(describe(el)) cannot be unchecked by a person: choose another of its radio buttons")
            }
            try click(handle(of: el))
            return
        }
        let boxes = el.elements.dropFirst().filter(\.isCheckable)
        guard !boxes.isEmpty else {
            throw PageError("\(describe(el)) is nothing to choose from: choose works on a dropdown, radio buttons, check boxes")
        }
        let wanted = PageNode.collapse(value)
        let box = boxes.first { $0.labels(under: root).contains(wanted) }
            ?? boxes.first { $0.attribute("value") == value }
            ?? boxes.first { $0.labels(under: root).contains { $0.caseInsensitiveCompare(wanted) == .orderedSame } }
        guard let box else {
            let names = boxes.map { PageJSON.string($0.labels(under: root).first ?? $0.attribute("value") ?? "").text }
            throw PageError("\(describe(el)) has no choice \(PageJSON.string(value).text); its choices: \(names.joined(separator: ", "))")
        }
        if box.isChecked == true { return }
        try click(handle(of: box))
    }

    /// Moves a slider (or sets a number field) to `value`, which the browser
    /// keeps within its minimum and maximum and on its step.
    func set(_ id: Int, _ value: Double) throws(PageError) {
        let el = try actionable(id, "set")
        guard value.isFinite else { throw PageError("set: \(value) is not a number a slider can take") }
        guard el.tag == "input", ["range", "number"].contains(el.inputType) else {
            throw PageError("\(describe(el)) is not a slider: set moves a slider (or sets a number field); type into text fields, choose from dropdowns")
        }
        let before = el.formValue
        focus(el)
        el.dirtyValue = el.inputType == "range" ? JavaScriptNumber.text(el.rangeValue(JavaScriptNumber.text(value))) : JavaScriptNumber.text(value)
        guard el.formValue != before else { return }
        dispatch(el.inputType == "range" ? .plain("input") : .textInput(data: nil, inputType: "insertReplacementText"), at: el)
        animationFrame()
        dispatch(.plain("change"), at: el)
        animationFrame()
    }

    // MARK: Checks

    /// The element, if a person can act on it now: on the page, shown, enabled, not under an overlay.
    private func actionable(_ id: Int, _ verb: String) throws(PageError) -> PageNode {
        if let closed = closedMessage { throw PageError("the session has ended (\(closed)): nothing on the page can be used") }
        if let overlay { throw PageError("the page shows an error over everything (\(overlay.title): \(overlay.message)); fix the script first") }
        let el = try element(id)
        guard isShown(el) else { throw PageError("cannot \(verb) \(describe(el)): it is not visible") }
        guard !el.isDisabled else { throw PageError("cannot \(verb) \(describe(el)): it is disabled") }
        return el
    }

    // MARK: Events

    private func focus(_ el: PageNode) { focusedElement = el }

    /// A click's activation: a box checks, a radio button chooses, a label clicks its control.
    private func activate(_ el: PageNode, fromLabel: Bool = false) {
        if el.isCheckable {
            let before = el.isChecked ?? false
            if el.inputType == "checkbox" { el.setChecked(!before, under: root) } else { el.setChecked(true, under: root) }
            dispatch(.mouse("click"), at: el)
            if el.isChecked != before {
                dispatch(.plain("input"), at: el)
                dispatch(.plain("change"), at: el)
            }
            return
        }
        dispatch(.mouse("click"), at: el)
        // A label passes a click on itself (not on a control inside it) to its
        // control, once: that click does not pass through labels again.
        if !fromLabel, let label = ([el] + el.ancestors).first(where: { $0.tag == "label" }),
           let control = label.labelledControl(under: root), !control.contains(el), !control.isDisabled,
           !el.ancestors.contains(where: { $0 !== label && label.contains($0) && PageNode.labelable.contains($0.tag ?? "") }) {
            activate(control, fromLabel: true)
        }
    }

    private func choose(_ select: PageNode, option: PageNode) throws(PageError) {
        guard !option.isDisabled else { throw PageError("the option \(PageJSON.string(PageNode.collapse(option.textContent)).text) of \(describe(select)) is disabled") }
        focus(select)
        dispatch(.mouse("mousedown", buttons: 1), at: select)
        dispatch(.mouse("mouseup"), at: select)
        dispatch(.mouse("click"), at: select)
        guard select.selectedOption !== option else { animationFrame(); return }
        select.select(option)
        dispatch(.plain("input"), at: select)
        dispatch(.plain("change"), at: select)
        animationFrame()
    }

    /// Runs the listeners of `event` on `target` and its ancestors, as gizmo.js's handlers would.
    func dispatch(_ event: PageEvent, at target: PageNode) {
        let path = event.bubbles ? [target] + target.ancestors.prefix { $0 !== root } : [target]
        for node in path {
            guard let cb = node.listeners[event.type] else { continue }
            eventCount += 1
            let fields = event.fields(target: target, current: node, timeStamp: 1000 + Double(eventCount) * 50)
            if event.type == "input" {
                if let at = heldInputs.firstIndex(where: { $0.cb == cb }) { heldInputs[at].event = fields }
                else { heldInputs.append((cb, fields)) }
            } else {
                sendHeldInputs() // what was typed reaches Lua before the click or key that follows it
                sendCall(cb, fields)
            }
        }
    }

    /// The next animation frame: held `input` events go out.
    func animationFrame() { sendHeldInputs() }

    private func sendHeldInputs() {
        let held = heldInputs
        heldInputs.removeAll()
        for (cb, event) in held { sendCall(cb, event) }
    }

    private func sendCall(_ cb: Int, _ event: PageJSON) {
        send([("t", .string("call")), ("g", generation), ("cb", .int(cb)), ("args", .array([event]))])
    }
}

import Foundation
