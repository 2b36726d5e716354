/// The server's commands (docs/protocol.md, "Server to page"), applied to
/// the document as gizmo.js's `handlers` apply them.
extension SimulatedPage {
    /// A mistake in a command (an unknown id, a bad field): gizmo.js's `CommandError`.
    struct CommandError: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    func run(_ command: PageJSON) {
        let op = command["op"]?.string
        guard let op, SimulatedPage.ops.contains(op) else {
            let name = command["op"].map { $0.text } ?? "null"
            sendError(String("unknown op \(name) (command \(command.text))".prefix(500)))
            return
        }
        do {
            try run(op, command)
        } catch {
            sendError("\(op): \(error.message)", op: op)
        }
    }

    static let ops: Set<String> = [
        "render", "notice", "ack", "overlay", "refresh", "head", "prop", "init", "text", "html", "css", "class",
        "attr", "append", "kids", "on", "focus", "log", "plot", "exec", "get", "drop", "error", "close",
    ]

    private func run(_ op: String, _ c: PageJSON) throws(CommandError) {
        switch op {
        case "render":
            components.removeAll()
            listenerElements.removeAll()
            focusedElement = nil
            let tree = try build(c["node"] ?? .null)
            root.replaceChildren([tree])
            if let g = c["g"], !g.isNull { generation = g }
            removeOverlay()
        case "notice": showNotice((c["msg"] ?? .null).javaScriptString)
        case "ack": outbox.forget(upTo: c["m"]?.int ?? 0)
        case "overlay":
            let title = c["title"].flatMap { $0.isNull ? nil : $0.javaScriptString }
            setOverlay(title: (title?.isEmpty == false ? title : nil) ?? "The script has an error",
                       message: c["msg"].flatMap { $0.isNull ? nil : $0.javaScriptString } ?? "")
        case "refresh", "head", "init", "drop":
            break // files, scripts and JavaScript: nothing a simulated page shows
        case "exec":
            break // JavaScript the page would run; the simulation has none
        case "prop":
            let el = try component(c["id"])
            for (name, value) in c["v"]?.fields ?? [] { setProperty(el, name, value) }
        case "text": try component(c["id"]).setTextContent(stringOrEmpty(c["v"]))
        case "html": try setInnerHTML(component(c["id"]), stringOrEmpty(c["v"]))
        case "css":
            let el = try component(c["id"])
            for (name, value) in c["v"]?.fields ?? [] { el.setStyle(name, value.isNull ? nil : value.javaScriptString) }
        case "class":
            let el = try component(c["id"])
            if let add = c["add"], !add.isNull { el.addClass(add.javaScriptString) }
            else if let remove = c["remove"], !remove.isNull { el.removeClass(remove.javaScriptString) }
            else { throw CommandError("component \(c["id"]?.text ?? "null"): needs \"add\" or \"remove\"") }
        case "attr": setAttributes(try component(c["id"]), c["v"])
        case "append":
            let el = try component(c["id"])
            let node = c["node"] ?? .null
            let built = try build(node)
            try slot(el, node).append(built)
        case "kids":
            let el = try component(c["id"])
            forgetInside(el)
            let nodes = c["nodes"]?.array ?? []
            var kids: [(PageJSON, PageNode)] = []
            for node in nodes { kids.append((node, try build(node))) }
            if kids.contains(where: { $0.0["slot"].map { !$0.isNull } ?? false }) {
                for (node, kid) in kids { try slot(el, node).append(kid) }
            } else {
                el.replaceChildren(kids.map(\.1))
            }
        case "on": listen(try component(c["id"]), id: c["id"]?.int ?? 0, event: c["event"]?.javaScriptString ?? "undefined", cb: c["cb"]?.int)
        case "focus": focusedElement = try component(c["id"])
        case "log":
            let el = try component(c["id"])
            el.applyLog(seq: c["seq"]?.int ?? 0, add: (c["add"]?.array ?? []).map(\.javaScriptString),
                        keep: c["keep"]?.int, clear: c["clear"].flatMap { $0.isNull ? nil : $0.int })
        case "plot":
            let el = try component(c["id"])
            el.applyPlot(svg: c["svg"].flatMap { $0.isNull ? nil : $0.javaScriptString },
                         series: c["series"]?.array?.compactMap(\.int), add: c["add"]?.array ?? [])
        case "get":
            addGet(req: c["req"]?.int ?? 0, expression: PageExpression.javaScript(c["expr"] ?? .null))
        case "error": showError((c["msg"] ?? .null).javaScriptString)
        case "close": close(c["msg"].flatMap { $0.isNull ? nil : $0.javaScriptString }.flatMap { $0.isEmpty ? nil : $0 } ?? "closed")
        default: break
        }
    }

    private func stringOrEmpty(_ v: PageJSON?) -> String {
        guard let v, !v.isNull else { return "" }
        return v.javaScriptString
    }

    func component(_ id: PageJSON?) throws(CommandError) -> PageNode {
        guard let id, let number = id.int, let el = components[number] else {
            throw CommandError("no component with id \(id?.text ?? "undefined")")
        }
        return el
    }

    // MARK: Building NODEs

    /// How deep NODEs may nest in one command (Lua's renders stop at 200).
    static let maxNodeDepth = 400

    /// The element of a NODE and everything under it (gizmo.js's `build`).
    func build(_ node: PageJSON, depth: Int = 0) throws(CommandError) -> PageNode {
        guard node.fields != nil, let idValue = node["id"], !idValue.isNull else {
            throw CommandError(String("a node needs an \"id\": \(node.text)".prefix(300)))
        }
        guard depth < SimulatedPage.maxNodeDepth else {
            throw CommandError("nodes nested more than \(SimulatedPage.maxNodeDepth) deep")
        }
        let el: PageNode
        if let tag = node["tag"], tag != .string(""), !tag.isNull, tag != .bool(false), tag != .int(0) {
            let name = tag.javaScriptString
            guard SimulatedPage.validTagName(name) else {
                throw CommandError("InvalidCharacterError: the tag name provided ('\(name.prefix(100))') is not a valid name.")
            }
            el = PageNode(tag: name)
        } else if let outer = node["outer"], !outer.isNull {
            el = elementFromHTML(outer.javaScriptString)
        } else {
            throw CommandError("node \(idValue.text) has neither \"tag\" nor \"outer\"")
        }
        el.setAttribute("data-gz-id", idValue.javaScriptString)
        if let id = idValue.int {
            el.componentID = id
            components[id] = el
        }
        if let text = node["text"], !text.isNull { el.setTextContent(text.javaScriptString) }
        else if let html = node["html"], !html.isNull { setInnerHTML(el, html.javaScriptString) }
        if let cls = node["cls"], !cls.isNull {
            for name in cls.array ?? [cls] { el.addClass(name.javaScriptString) }
        }
        for (name, value) in node["css"]?.fields ?? [] { el.setStyle(name, value.isNull ? nil : value.javaScriptString) }
        setAttributes(el, node["attrs"])
        for (event, cb) in node["on"]?.fields ?? [] { listen(el, id: idValue.int ?? 0, event: event, cb: cb.int) }
        for kid in node["kids"]?.array ?? [] {
            let built = try build(kid, depth: depth + 1)
            try slot(el, kid).append(built)
        }
        if let live = node["live"], live.fields != nil {
            switch live["kind"]?.string {
            case "log":
                el.applyLog(seq: live["seq"]?.int ?? 0, add: (live["lines"]?.array ?? []).map(\.javaScriptString),
                            keep: live["keep"]?.int, clear: nil)
            case "plot":
                el.applyPlot(svg: nil, series: live["series"]?.array?.compactMap(\.int), add: live["add"]?.array ?? [])
            default:
                throw CommandError("unknown live kind \(live["kind"]?.text ?? "undefined")")
            }
        }
        return el
    }

    static func validTagName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.properties.isAlphabetic else { return false }
        return !name.unicodeScalars.contains { $0 == " " || $0 == "<" || $0 == ">" || $0 == "/" || $0 == "=" || $0 == "\"" || $0 == "'" || $0.value < 0x21 }
    }

    /// The single top-level element of the HTML, or a div around whatever else it holds.
    func elementFromHTML(_ html: String) -> PageNode {
        let nodes = HTMLFragment.parse(html.trimmingCharacters(in: .whitespacesAndNewlines))
        if nodes.count == 1, nodes[0].isElement { return nodes[0] }
        let wrapper = PageNode(tag: "div")
        for node in nodes { wrapper.append(node) }
        return wrapper
    }

    func setInnerHTML(_ el: PageNode, _ html: String) {
        if el.tag == "template" || HTMLFragment.rawTextElements.contains(el.tag ?? "") {
            el.setTextContent(html)
            return
        }
        el.replaceChildren(HTMLFragment.parse(html))
    }

    /// Where a child goes: the parent, or the element of class `slot` inside it (a Template).
    func slot(_ el: PageNode, _ node: PageJSON) throws(CommandError) -> PageNode {
        guard let slot = node["slot"], !slot.isNull else { return el }
        let name = slot.javaScriptString
        guard let target = el.elements.dropFirst().first(where: { $0.hasClass(name) }) else {
            throw CommandError("component \(node["id"]?.text ?? "null"): no element of class \(PageJSON.string(name).text) to put it in")
        }
        return target
    }

    /// Forget the components under el, which are about to be replaced.
    func forgetInside(_ el: PageNode) {
        let gone = Set(el.elements.dropFirst().filter { $0.hasAttribute("data-gz-id") }.map(ObjectIdentifier.init))
        components = components.filter { !gone.contains(ObjectIdentifier($0.value)) }
        listenerElements = listenerElements.filter { !(el.contains($0.value) && $0.value !== el) }
    }

    func setAttributes(_ el: PageNode, _ attrs: PageJSON?) {
        for (name, value) in attrs?.fields ?? [] {
            switch value {
            case .null, .bool(false): el.removeAttribute(name)
            case .bool(true): el.setAttribute(name, "")
            default: el.setAttribute(name, value.javaScriptString)
            }
        }
    }

    /// `listen`: one listener per component and event; a new one replaces it (on whichever element had it).
    func listen(_ el: PageNode, id: Int, event: String, cb: Int?) {
        let key = "\(id) \(event)"
        if let old = listenerElements[key] {
            old.listeners[event] = nil
            listenerElements[key] = nil
        }
        guard let cb else { return }
        el.listeners[event] = cb
        listenerElements[key] = el
    }

    /// A DOM property set by `prop` (the value a person edits, and the few
    /// properties that reflect an attribute).
    func setProperty(_ el: PageNode, _ name: String, _ value: PageJSON) {
        let text = value.isNull ? "" : value.javaScriptString
        switch name {
        case "value":
            if el.tag == "select" {
                el.select(el.options.first { $0.formValue == text })
            } else if el.tag == "input" && el.isCheckable || el.tag == "option" || el.tag == "button" {
                el.setAttribute("value", text)
            } else {
                el.dirtyValue = text
            }
        case "checked": el.dirtyChecked = truthy(value)
        case "selected": el.dirtySelected = truthy(value)
        case "selectedIndex":
            let options = el.options
            let i = value.int ?? -1
            el.select(i >= 0 && i < options.count ? options[i] : nil)
        case "disabled", "hidden", "readOnly", "required":
            let attribute = name == "readOnly" ? "readonly" : name
            if truthy(value) { el.setAttribute(attribute, "") } else { el.removeAttribute(attribute) }
        case "textContent", "innerText": el.setTextContent(text)
        case "innerHTML": setInnerHTML(el, text)
        case "className": el.setAttribute("class", text)
        case "id", "title", "placeholder", "href", "src", "alt", "name", "type", "min", "max", "step":
            el.setAttribute(name, text)
        default: break
        }
    }

    private func truthy(_ value: PageJSON) -> Bool {
        switch value {
        case .null, .bool(false): false
        case .int(let i): i != 0
        case .double(let d): d != 0 && !d.isNaN
        case .string(let s): !s.isEmpty
        default: true
        }
    }
}

import Foundation
