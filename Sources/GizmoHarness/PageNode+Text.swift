/// The text a person sees in an element, as Chromium's `innerText` gives
/// it, then tidied the way the drift test compares it: one line per block,
/// whitespace (a no-break space too) collapsed, empty lines left out.
extension PageNode {
    /// Elements that show no text of their own (form controls, media).
    static let textlessTags: Set<String> = [
        "input", "textarea", "img", "progress", "meter", "video", "audio", "canvas", "iframe", "embed", "object",
    ]

    /// The visible text under this element, one line per block. An element
    /// that is not rendered gives its `textContent`, as `innerText` does.
    func visibleLines(under root: PageNode) -> [String] {
        guard isElement else { return PageNode.tidy(data) }
        guard isRendered(under: root) else { return PageNode.tidy(textContent) }
        var out = ""
        struct Context { var preserve: Bool; var hidden: Bool; var flexItems: Bool }
        enum Step { case enter(PageNode, Context), exit(String) }
        let start = Context(preserve: preservesNewlines, hidden: isVisibilityHidden, flexItems: false)
        var stack: [Step] = [.enter(self, start)]
        while let step = stack.popLast() {
            switch step {
            case .exit(let text):
                out += text
            case .enter(let node, let context):
                guard let tag = node.tag else {
                    guard !context.hidden else { continue }
                    let text = context.preserve ? node.data : PageNode.flatten(node.data)
                    let ownLine = context.flexItems && !text.allSatisfy(\.isWhitespace) // an anonymous flex item
                    out += ownLine ? "\n" + text + "\n" : text
                    continue
                }
                let own = node.ownDisplay
                if own == .none { continue }
                if tag == "br" {
                    if !context.hidden { out += "\n" }
                    continue
                }
                let display = node === self ? own : (context.flexItems ? own.blockified : own)
                var after = ""
                if display.isBlockLevel { out += "\n"; after = "\n" }
                if display == .tableRow { after = "\n" }
                if display == .tableCell, node.nextElementSibling?.ownDisplay == .tableCell { after = "\t" }
                if tag == "p" { out += "\n"; after += "\n" }
                stack.append(.exit(after))
                if PageNode.textlessTags.contains(tag) { continue }
                var inner = context
                if let visibility = node.style["visibility"]?.lowercased() {
                    inner.hidden = visibility == "hidden" || visibility == "collapse"
                }
                if let whiteSpace = node.style["white-space"]?.lowercased() {
                    inner.preserve = whiteSpace.hasPrefix("pre") || whiteSpace == "break-spaces"
                } else if node.hasClass("gz-text") || node.hasClass("gz-log") || ["pre", "listing", "xmp"].contains(tag) {
                    inner.preserve = true
                }
                inner.flexItems = own.blockifiesChildren
                for child in node.children.reversed() { stack.append(.enter(child, inner)) }
            }
        }
        return PageNode.tidy(out)
    }

    var nextElementSibling: PageNode? {
        guard let parent, let at = parent.children.firstIndex(where: { $0 === self }) else { return nil }
        return parent.children[(at + 1)...].first { $0.isElement }
    }

    /// Lines with whitespace collapsed and trimmed, empty ones left out.
    /// (Scalars, not Characters: a hostile page's megabytes of text stay quick.)
    static func tidy(_ text: String) -> [String] {
        var lines: [String] = []
        var line = String.UnicodeScalarView()
        var space = false
        for scalar in text.unicodeScalars {
            if scalar == "\n" || scalar == "\r" {
                if !line.isEmpty { lines.append(String(line)) }
                line = String.UnicodeScalarView()
                space = false
            } else if scalar.properties.isWhitespace {
                space = !line.isEmpty
            } else {
                if space { line.append(" ") }
                space = false
                line.append(scalar)
            }
        }
        if !line.isEmpty { lines.append(String(line)) }
        return lines
    }

    /// Text as a person reads it: whitespace collapsed into single spaces.
    static func collapse(_ text: String) -> String {
        tidy(flatten(text)).joined(separator: " ")
    }

    /// Newlines as spaces (text whose `white-space` collapses them).
    static func flatten(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0 == "\n" || $0 == "\r" }) else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map { $0 == "\n" || $0 == "\r" ? " " : $0 }))
    }
}
