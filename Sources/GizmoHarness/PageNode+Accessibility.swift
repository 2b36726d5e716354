/// What a person (and a screen reader) calls an element: its ARIA role and
/// the labels that name it, as ``SimulatedPage/find(_:)`` matches them.
extension PageNode {
    /// The explicit `role` attribute's first token, else the implicit ARIA role of the tag.
    var role: String? {
        if let explicit = attribute("role")?.split(whereSeparator: { $0.isWhitespace }).first {
            return explicit.lowercased()
        }
        guard let tag else { return nil }
        switch tag {
        case "button": return "button"
        case "input":
            switch inputType {
            case "button", "submit", "reset", "image": return "button"
            case "checkbox": return "checkbox"
            case "radio": return "radio"
            case "range": return "slider"
            case "number": return "spinbutton"
            case "search": return "searchbox"
            case "hidden", "file", "color": return nil
            default: return "textbox"
            }
        case "textarea": return "textbox"
        case "select":
            return hasAttribute("multiple") || (Int(attribute("size") ?? "") ?? 0) > 1 ? "listbox" : "combobox"
        case "option": return "option"
        case "h1", "h2", "h3", "h4", "h5", "h6": return "heading"
        case "a", "area": return hasAttribute("href") ? "link" : nil
        case "img": return attribute("alt") == "" ? "presentation" : "img"
        case "progress": return "progressbar"
        case "meter": return "meter"
        case "ul", "ol", "menu": return "list"
        case "li": return "listitem"
        case "table": return "table"
        case "tr": return "row"
        case "td": return "cell"
        case "th": return "columnheader"
        case "nav": return "navigation"
        case "main": return "main"
        case "dialog": return "dialog"
        case "article": return "article"
        case "fieldset": return "group"
        case "p": return "paragraph"
        case "hr": return "separator"
        default: return nil
        }
    }

    static let labelable: Set<String> = ["input", "select", "textarea", "button", "meter", "output", "progress"]

    /// The texts that label the element: `aria-label`, `aria-labelledby`,
    /// a `<label for>`, an enclosing `<label>` (the gizmo's LabelledInput,
    /// a choice of RadioButtons or CheckBoxes), without the control's own text.
    func labels(under root: PageNode) -> [String] {
        var out: [String] = []
        if let aria = attribute("aria-label").map(PageNode.collapse), !aria.isEmpty { out.append(aria) }
        if let ids = attribute("aria-labelledby") {
            let byID = ids.split(whereSeparator: { $0.isWhitespace }).compactMap { id in
                root.elements.first { $0.attribute("id") == String(id) }
            }
            let text = PageNode.collapse(byID.map(\.textContent).joined(separator: " "))
            if !text.isEmpty { out.append(text) }
        }
        guard let tag, PageNode.labelable.contains(tag), !(tag == "input" && inputType == "hidden") else { return out }
        if let id = attribute("id"), !id.isEmpty {
            for label in root.elements where label.tag == "label" && label.attribute("for") == id {
                let text = label.labelText(excluding: self)
                if !text.isEmpty { out.append(text) }
            }
        }
        if let label = ancestors.first(where: { $0.tag == "label" }),
           label.attribute("for") == nil || label.attribute("for") == attribute("id") {
            let text = label.labelText(excluding: self)
            if !text.isEmpty, !out.contains(text) { out.append(text) }
        }
        return out
    }

    /// A label's text without the control it labels (nor any other control's value).
    private func labelText(excluding control: PageNode) -> String {
        var out = ""
        var stack: [PageNode] = [self]
        while let node = stack.popLast() {
            if node === control { continue }
            if let tag = node.tag {
                if node.ownDisplay == .none || PageNode.textlessTags.contains(tag) || tag == "select" { continue }
                stack.append(contentsOf: node.children.reversed())
            } else {
                out += node.data + " "
            }
        }
        return PageNode.collapse(out)
    }

    /// The element a label stands for: its `for` target, else the first labelable element inside it.
    func labelledControl(under root: PageNode) -> PageNode? {
        guard tag == "label" else { return nil }
        if let id = attribute("for") {
            return root.elements.first { $0.attribute("id") == id && PageNode.labelable.contains($0.tag ?? "") }
        }
        return elements.dropFirst().first { PageNode.labelable.contains($0.tag ?? "") && !($0.tag == "input" && $0.inputType == "hidden") }
    }
}
