/// The nodes of an HTML fragment (`outer`, `html`, innerHTML), for a
/// ``SimulatedPage``.
///
/// A small tokenizer, not an HTML5 parser: start and end tags, attributes
/// (quoted, unquoted, bare), character references, comments, and text;
/// `script`, `style`, `textarea` and `title` hold raw text. Of the HTML5
/// tree rules it keeps the ones gizmos meet: void elements, an open `p`
/// closed by a block, `li`/`option`/`tr`/`td`/`dt`/`dd` closing their open
/// sibling, stray end tags ignored, and nesting capped at 512 (deeper
/// elements become siblings, as in Chromium). Table fixing, foster parenting
/// and adoption-agency repairs of misnested tags are not done: markup that
/// needs them may read differently from a browser.
enum HTMLFragment {
    static let maxDepth = 512

    static let voidElements: Set<String> = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
    ]
    /// Their content is text up to their own end tag.
    static let rawTextElements: Set<String> = ["script", "style", "textarea", "title", "xmp", "noscript"]
    /// A start tag of one of these closes an open `p`.
    static let closesParagraph: Set<String> = [
        "address", "article", "aside", "blockquote", "details", "div", "dl", "fieldset", "figcaption", "figure",
        "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "main", "nav", "ol", "p", "pre",
        "section", "table", "ul",
    ]
    /// A start tag of the key closes an open element of the value's names, up to a boundary.
    static let closesSibling: [String: (closes: Set<String>, boundary: Set<String>)] = [
        "li": (["li"], ["ul", "ol"]),
        "option": (["option"], ["select", "datalist", "optgroup"]),
        "optgroup": (["option", "optgroup"], ["select"]),
        "dt": (["dt", "dd"], ["dl"]), "dd": (["dt", "dd"], ["dl"]),
        "tr": (["tr", "td", "th"], ["table", "tbody", "thead", "tfoot"]),
        "td": (["td", "th"], ["tr", "table"]), "th": (["td", "th"], ["tr", "table"]),
    ]

    /// The nodes of `html`, top level first.
    static func parse(_ html: String) -> [PageNode] {
        let root = PageNode(tag: "template")
        var open: [PageNode] = [root]
        let s = Array(html.unicodeScalars)
        var i = 0
        var text = ""
        var openParagraphs = 0 // so a start tag looks for an open `p` only when there is one

        func pop(to at: Int) {
            openParagraphs -= open[at...].count { $0.tag == "p" }
            open.removeSubrange(at...)
        }
        func flushText() {
            guard !text.isEmpty else { return }
            open.last!.append(PageNode(text: decodeEntities(text)))
            text = ""
        }
        func close(_ name: String) {
            guard let at = open.lastIndex(where: { $0.tag == name }), at > 0 else { return } // a stray end tag
            pop(to: at)
        }

        while i < s.count {
            guard s[i] == "<", i + 1 < s.count else {
                text.unicodeScalars.append(s[i])
                i += 1
                continue
            }
            let next = s[i + 1]
            if next == "!" || next == "?" {
                flushText()
                if next == "!", i + 3 < s.count, s[i + 2] == "-", s[i + 3] == "-" {
                    i = find("-->", in: s, from: i + 4).map { $0 + 3 } ?? s.count // a comment
                } else {
                    i = (s[i...].firstIndex(of: ">") ?? s.count - 1) + 1 // a doctype or processing instruction
                }
                continue
            }
            if next == "/" {
                guard i + 2 < s.count, s[i + 2].properties.isAlphabetic else {
                    if i + 2 < s.count, s[i + 2] == ">" { i += 3; continue } // `</>` is dropped
                    text.unicodeScalars.append(s[i]); i += 1; continue
                }
                flushText()
                var j = i + 2
                var name = ""
                while j < s.count, !isSpace(s[j]), s[j] != ">", s[j] != "/" { name.unicodeScalars.append(s[j]); j += 1 }
                i = (s[j...].firstIndex(of: ">") ?? s.count - 1) + 1
                close(name.lowercased())
                continue
            }
            guard next.properties.isAlphabetic else {
                text.unicodeScalars.append(s[i]); i += 1; continue
            }
            flushText()
            let (tagName, attributes, end) = startTag(s, from: i + 1)
            i = end
            let name = tagName.lowercased()
            if closesParagraph.contains(name), openParagraphs > 0, let p = open.lastIndex(where: { $0.tag == "p" }), p > 0 {
                pop(to: p)
            }
            if let rule = closesSibling[name] {
                if let at = open.lastIndex(where: { rule.closes.contains($0.tag ?? "") }), at > 0,
                   !open[(at + 1)...].contains(where: { rule.boundary.contains($0.tag ?? "") }) {
                    pop(to: at)
                }
            }
            let element = PageNode(tag: name)
            for (attribute, value) in attributes where !element.hasAttribute(attribute) {
                element.setAttribute(attribute, value)
            }
            open.last!.append(element)
            if rawTextElements.contains(name) {
                let closing = Array("</\(name)".unicodeScalars)
                let stop = findCaseless(closing, in: s, from: i) ?? s.count
                var raw = String(String.UnicodeScalarView(s[i..<stop]))
                if name == "textarea" || name == "title" { raw = decodeEntities(raw) }
                if name == "textarea", raw.hasPrefix("\n") { raw.removeFirst() }
                if !raw.isEmpty { element.append(PageNode(text: raw)) }
                i = stop < s.count ? (s[stop...].firstIndex(of: ">") ?? s.count - 1) + 1 : s.count
            } else if !voidElements.contains(name), open.count <= maxDepth {
                open.append(element)
                if name == "p" { openParagraphs += 1 }
            }
        }
        flushText()
        let nodes = root.children
        root.replaceChildren([])
        return nodes
    }

    /// The name and attributes of a start tag whose name begins at `start`, and the index after its `>`.
    private static func startTag(_ s: [Unicode.Scalar], from start: Int) -> (String, [(String, String)], Int) {
        var j = start
        var name = ""
        while j < s.count, !isSpace(s[j]), s[j] != ">", s[j] != "/" { name.unicodeScalars.append(s[j]); j += 1 }
        var attributes: [(String, String)] = []
        while j < s.count {
            while j < s.count, isSpace(s[j]) || s[j] == "/" { j += 1 }
            guard j < s.count, s[j] != ">" else { break }
            var attribute = ""
            repeat { attribute.unicodeScalars.append(s[j]); j += 1 } while j < s.count && !isSpace(s[j]) && s[j] != ">" && s[j] != "=" && s[j] != "/"
            while j < s.count, isSpace(s[j]) { j += 1 }
            var value = ""
            if j < s.count, s[j] == "=" {
                j += 1
                while j < s.count, isSpace(s[j]) { j += 1 }
                if j < s.count, s[j] == "\"" || s[j] == "'" {
                    let quote = s[j]
                    j += 1
                    while j < s.count, s[j] != quote { value.unicodeScalars.append(s[j]); j += 1 }
                    j += 1
                } else {
                    while j < s.count, !isSpace(s[j]), s[j] != ">" { value.unicodeScalars.append(s[j]); j += 1 }
                }
            }
            attributes.append((attribute.lowercased(), decodeEntities(value)))
        }
        return (name, attributes, min(j + 1, s.count))
    }

    private static func isSpace(_ c: Unicode.Scalar) -> Bool {
        c == " " || c == "\n" || c == "\t" || c == "\r" || c == "\u{0C}"
    }

    private static func find(_ needle: String, in s: [Unicode.Scalar], from start: Int) -> Int? {
        let n = Array(needle.unicodeScalars)
        guard start <= s.count - n.count else { return nil }
        for i in start...(s.count - n.count) where s[i] == n[0] && Array(s[i..<(i + n.count)]) == n { return i }
        return nil
    }

    private static func findCaseless(_ n: [Unicode.Scalar], in s: [Unicode.Scalar], from start: Int) -> Int? {
        guard start <= s.count - n.count else { return nil }
        outer: for i in start...(s.count - n.count) where s[i] == "<" {
            for k in 1..<n.count where s[i + k].properties.lowercaseMapping != String(n[k]).lowercased() {
                continue outer
            }
            return i
        }
        return nil
    }

    /// Text with its character references (`&amp;`, `&#39;`, `&#x1F600;`) replaced.
    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        let s = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < s.count {
            guard s[i] == "&" else { out.append(s[i]); i += 1; continue }
            var j = i + 1
            var name = ""
            while j < s.count, j - i <= 32, s[j].properties.isAlphabetic || ("0"..."9").contains(s[j]) || s[j] == "#" {
                name.unicodeScalars.append(s[j]); j += 1
            }
            let terminated = j < s.count && s[j] == ";"
            var replacement: String?
            if name.hasPrefix("#") {
                let digits = name.dropFirst()
                let code = digits.first == "x" || digits.first == "X" ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits)
                if let code {
                    replacement = String(Unicode.Scalar(code == 0 ? 0xFFFD : code) ?? "\u{FFFD}")
                }
            } else if terminated {
                replacement = HTMLEntities.named[name]
            } else if let entity = HTMLEntities.named[name], HTMLEntities.legacy.contains(name) {
                replacement = entity // &amp without `;`, as browsers read it
            }
            if let replacement {
                out.append(contentsOf: replacement.unicodeScalars)
                i = terminated ? j + 1 : j
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return String(out)
    }
}
