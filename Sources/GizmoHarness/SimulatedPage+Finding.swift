/// Finding elements by what a person sees, and reading them.
///
/// A query's fields must all match: `text` (the element's visible text; a
/// button input's value), `label` (``PageNode/labels(under:)``),
/// `placeholder`, `role` (``PageNode/role``, ARIA names). An exact match
/// (whitespace collapsed) is preferred; else a case-insensitive substring.
/// Of elements nested in one another the innermost match stands (a button,
/// not the Stack around it), and visible ones are preferred to hidden ones.
///
/// An element is named by an Int: a component's id for a component's own
/// element, a negative handle for an element inside a component's HTML (a
/// radio button of RadioButtons, a link inside Html), so that a person's
/// action reaches that element and bubbles to the component as in a browser.
extension SimulatedPage {
    struct Query: CustomStringConvertible {
        var text, label, placeholder, role: String?
        var nth: Int?

        init(text: String? = nil, label: String? = nil, placeholder: String? = nil, role: String? = nil, nth: Int? = nil) {
            (self.text, self.label, self.placeholder, self.role, self.nth) = (text, label, placeholder, role, nth)
        }

        /// As a Lua test writes it: `{role = "button", text = "Add"}`.
        var description: String {
            var parts: [String] = []
            for (name, value) in [("text", text), ("label", label), ("placeholder", placeholder), ("role", role)] {
                if let value { parts.append("\(name) = \(PageJSON.string(value).text)") }
            }
            if let nth { parts.append("nth = \(nth)") }
            return "{" + parts.joined(separator: ", ") + "}"
        }
    }

    /// The one element matching `q` (or its `nth` match).
    func find(_ q: Query) throws(PageError) -> Int {
        let matches = matching(q)
        if let nth = q.nth {
            guard nth >= 1, nth <= matches.count else {
                throw PageError(matches.isEmpty ? nothingMatches(q)
                    : "\(q): nth = \(nth), but \(matches.count) element\(matches.count == 1 ? "" : "s") match: \(list(matches))")
            }
            return handle(of: matches[nth - 1])
        }
        guard let first = matches.first else { throw PageError(nothingMatches(q)) }
        guard matches.count == 1 else {
            throw PageError("\(matches.count) elements match \(q): \(list(matches)); add nth = 1..\(matches.count) to pick one, or say more (text =, label =, role =)")
        }
        return handle(of: first)
    }

    /// Every element matching `q`, in page order (`nth` is ignored).
    func findAll(_ q: Query) -> [Int] {
        matching(q).map(handle(of:))
    }

    /// The matches of `q`, in page order.
    private func matching(_ q: Query) -> [PageNode] {
        let all = root.elements.dropFirst()
        var candidates = Array(all)
        if let role = q.role?.lowercased() {
            candidates = candidates.filter { $0.role == role }
        }
        let textual: [(String, (PageNode) -> [String])] = [
            (q.text, { [unowned self] in [self.searchText(of: $0)] }),
            (q.label, { [unowned self] in $0.labels(under: self.root) }),
            (q.placeholder, { $0.attribute("placeholder").map { [PageNode.collapse($0)] } ?? [] }),
        ].compactMap { wanted, read in wanted.map { (PageNode.collapse($0), read) } }
        var matches = candidates
        if !textual.isEmpty {
            var exact: [PageNode] = [], partial: [PageNode] = []
            for node in candidates {
                var allExact = true, allPartial = true
                for (wanted, read) in textual {
                    let texts = read(node)
                    if !texts.contains(wanted) { allExact = false }
                    if !texts.contains(where: { $0.localizedCaseInsensitiveContains(wanted) || wanted.isEmpty }) {
                        allPartial = false
                        break
                    }
                }
                if allExact { exact.append(node) } else if allPartial { partial.append(node) }
            }
            matches = exact.isEmpty ? partial : exact
        }
        if q.text != nil {
            // The innermost: a Stack holding the button matches as well as the button.
            let set = Set(matches.map(ObjectIdentifier.init))
            matches = matches.filter { node in !node.elements.dropFirst().contains { set.contains(ObjectIdentifier($0)) } }
        }
        let visible = matches.filter(isShown)
        return visible.isEmpty ? matches : visible
    }

    /// The text a `text =` query compares: what the element shows, or a button input's value.
    func searchText(of node: PageNode) -> String {
        if node.tag == "input", ["button", "submit", "reset"].contains(node.inputType) {
            return PageNode.collapse(node.formValue ?? "")
        }
        return shownLines(of: node).joined(separator: " ")
    }

    /// What a person reads in an element: its visible text; for a progress
    /// bar, meter or image, which show no text, what they stand for (their
    /// `aria-valuetext`, `alt` or `aria-label`: "Training 40%").
    func shownLines(of node: PageNode) -> [String] {
        if let tag = node.tag, ["progress", "meter", "img"].contains(tag) {
            let stands = node.attribute("aria-valuetext") ?? node.attribute("alt") ?? node.attribute("aria-label") ?? ""
            return PageNode.tidy(stands)
        }
        return node.visibleLines(under: root)
    }

    func handle(of node: PageNode) -> Int {
        if let id = node.componentID, components[id] === node { return id }
        return -node.serial
    }

    /// The element an id names.
    func element(_ id: Int) throws(PageError) -> PageNode {
        if id >= 0 {
            guard let el = components[id], root.contains(el) else {
                throw PageError("component \(id) is no longer on the page; find it again")
            }
            return el
        }
        guard let el = root.elements.first(where: { $0.serial == -id }) else {
            throw PageError("that element is no longer on the page; find it again")
        }
        return el
    }

    // MARK: Reading

    /// The visible text of the gizmo area: one line per block, whitespace collapsed, hidden elements left out.
    func text() -> String {
        root.visibleLines(under: root).joined(separator: "\n")
    }

    func text(of id: Int) -> String {
        guard let el = try? element(id) else { return "" }
        return shownLines(of: el).joined(separator: "\n")
    }

    /// An input's, select's or text area's current value (a property set beats the attribute).
    func value(of id: Int) -> String? {
        guard let el = try? element(id) else { return nil }
        if el.tag == "progress" || el.tag == "meter" { return el.attribute("value") }
        return el.formValue
    }

    func checked(of id: Int) -> Bool? {
        (try? element(id))?.isChecked
    }

    /// Not disabled: no `disabled` on it, nor on a fieldset around it.
    func isEnabled(_ id: Int) -> Bool {
        guard let el = try? element(id) else { return false }
        return !el.isDisabled
    }

    /// Shown: not `display: none` (or `hidden`) nor `visibility: hidden`, itself or above.
    func isVisible(_ id: Int) -> Bool {
        guard let el = try? element(id) else { return false }
        return isShown(el)
    }

    func isShown(_ el: PageNode) -> Bool {
        el.isRendered(under: root) && !el.isVisibilityHidden
    }

    // MARK: Messages

    private func nothingMatches(_ q: Query) -> String {
        let shown = root.elements.dropFirst().filter { node in
            guard let role = node.role, isShown(node) else { return false }
            return !["paragraph", "cell", "row", "list", "presentation", "option", "group", "separator"].contains(role)
        }
        var message = "nothing on the page matches \(q)"
        if shown.isEmpty {
            let text = text()
            message += text.isEmpty ? "; the page shows no text" : "; the page shows: \(String(text.prefix(300)).replacingOccurrences(of: "\n", with: " | "))"
        } else {
            message += "; the page holds: \(list(Array(shown.prefix(20))))\(shown.count > 20 ? ", …" : "")"
        }
        return message
    }

    /// `button "Add", textbox (placeholder "New item")`.
    func list(_ nodes: [PageNode]) -> String {
        nodes.prefix(20).map(describe).joined(separator: ", ") + (nodes.count > 20 ? ", …" : "")
    }

    func describe(_ node: PageNode) -> String {
        var words = [node.role ?? node.tag ?? "text"]
        let text = searchText(of: node)
        if !text.isEmpty { words.append(PageJSON.string(String(text.prefix(60))).text) }
        if let label = node.labels(under: root).first, label != text { words.append("(label \(PageJSON.string(label).text))") }
        if let placeholder = node.attribute("placeholder") { words.append("(placeholder \(PageJSON.string(placeholder).text))") }
        if !isShown(node) { words.append("(hidden)") }
        return words.joined(separator: " ")
    }
}

import Foundation
