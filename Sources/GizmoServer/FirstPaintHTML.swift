import Foundation
import GizmoLua

/// The HTML of the tree a session shows, for its child page's first paint
/// (docs/protocol.md, "First paint"): the browser's parser, reading it in
/// the page, makes the elements gizmo.js's `build` makes of the same NODEs
/// (with `data-gz-id`, classes, styles, attributes, text, a Log's lines),
/// escaped as the DOM would hold them; listeners, `js_init` code and a
/// plot's points wait for gizmo.js, which adopts these elements.
///
/// Where the parser would not make the same elements (``ParseContext``,
/// ``FragmentScan``), or a value would read differently as HTML than through
/// the DOM, there is no HTML (nil): that page renders over its socket.
struct FirstPaintHTML {
    /// A first paint larger than this is left to the socket.
    static let maxBytes = 4 << 20

    private var out = ""
    /// Bytes copied so far: a node's HTML is copied once per level above it,
    /// so a deep tree of large texts is stopped by this, not by its size.
    private var copied = 0

    static func html(of root: RenderNode) -> String? {
        var writer = FirstPaintHTML()
        guard writer.write(root, in: ParseContext()) != nil, writer.out.utf8.count <= maxBytes else { return nil }
        return writer.out
    }

    /// Writes `node`; answers the class names of every element written (a
    /// Template's slot is the first element of its class), nil when the
    /// node cannot be written.
    private mutating func write(_ node: RenderNode, in context: ParseContext) -> Set<String>? {
        guard !node.unreadable, !context.foreign else { return nil }
        var element: Opening
        if let outer = node.outer {
            guard let opening = Opening(outer: outer, in: context) else { return nil }
            element = opening
        } else {
            guard let tag = node.tag?.lowercased(), let inside = context.entering(tag) else { return nil }
            element = Opening(name: tag, inside: inside)
        }
        guard element.apply(node) else { return nil }
        var classes = Set(element.classNames)

        // Its content, as build sets it: text, else HTML, else what the outer HTML held.
        var content: FragmentScan?
        var inner: [UInt8]
        var madeByScript = true // set by the DOM, not read by the parser after the start tag
        if let text = node.text {
            guard let escaped = Self.escapeText(text) else { return nil }
            inner = Array(escaped.utf8)
        } else if let html = node.html {
            guard let scan = FragmentScan(html, in: element.inside) else { return nil }
            content = scan
            inner = scan.bytes
        } else if let scan = element.content {
            content = scan
            inner = Array(scan.bytes[element.contentRange])
            madeByScript = false
        } else {
            inner = []
        }
        // The elements of the content (of outer HTML, those inside the element).
        let offset = node.text == nil && node.html == nil ? element.contentRange.lowerBound : 0
        let inside = content?.elements.filter { $0.start >= offset && $0.after <= offset + inner.count } ?? []
        for item in inside {
            for name in content?.classes(of: item) ?? [] { classes.insert(name) }
        }

        // Children: into the element, or into its first element of the slot's class.
        var insertions: [(at: Int, html: String)] = []
        var atEnd = ""
        var slots: Set<String> = []
        var kidClasses: Set<String> = []
        for kid in node.kids {
            let saved = out
            out = ""
            defer { out = saved }
            if let slot = kid.slot {
                slots.insert(slot)
                guard let scan = content,
                      let target = inside.first(where: { scan.classes(of: $0)?.contains(slot) ?? false }),
                      !target.isVoid, !target.inside.foreign,
                      let written = write(kid, in: target.inside) else { return nil }
                insertions.append((target.end - offset, out))
                kidClasses.formUnion(written)
            } else {
                guard let written = write(kid, in: element.inside) else { return nil }
                atEnd += out
                kidClasses.formUnion(written)
            }
        }
        // The page finds a slot with querySelector, over the children put in
        // before too: none of them may carry a slot's class.
        guard slots.isDisjoint(with: kidClasses) else { return nil }
        classes.formUnion(kidClasses)
        if let lines = node.logLines {
            for line in lines {
                guard let escaped = Self.escapeText(line) else { return nil }
                atEnd += escaped + "\n"
            }
        }
        var body = ""
        var last = 0
        for (at, html) in insertions.sorted(by: { $0.at < $1.at }) {
            body += String(decoding: inner[last..<at], as: UTF8.self) + html
            last = at
        }
        body += String(decoding: inner[last...], as: UTF8.self) + atEnd
        copied += body.utf8.count
        guard copied <= 8 * Self.maxBytes else { return nil }
        if element.isVoid {
            guard body.isEmpty else { return nil }
        } else if madeByScript || inner.isEmpty, ["pre", "listing"].contains(element.name), body.hasPrefix("\n") {
            body = "\n" + body // the parser drops a newline right after the start tag
        }
        out += "<" + element.name + element.attributeText + ">"
        if !element.isVoid { out += body + "</" + element.name + ">" }
        return classes
    }

    /// A number as JavaScript's String() writes it, where Swift's shortest
    /// form is the same text; nil elsewhere (exponents, huge or tiny values).
    static func javaScriptString(_ value: RenderValue) -> String? {
        switch value {
        case .integer(let n):
            return "\(n)"
        case .number(let x):
            guard x.isFinite else { return nil }
            if x == x.rounded(), abs(x) < 1e15 { return "\(Int(x))" }
            guard abs(x) >= 1e-4, abs(x) < 1e15 else { return nil }
            return "\(x)"
        default:
            return nil
        }
    }

    /// Text as element content: what `textContent` would hold.
    static func escapeText(_ text: String) -> String? { escape(text, inAttribute: false) }

    /// A value in double quotes: what `setAttribute` would hold.
    static func escapeAttribute(_ text: String) -> String? { escape(text, inAttribute: true) }

    /// Nil for text with a NUL, which the parser would drop.
    private static func escape(_ text: String, inAttribute: Bool) -> String? {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<" where !inAttribute: out += "&lt;"
            case ">" where !inAttribute: out += "&gt;"
            case "\"" where inAttribute: out += "&quot;"
            case "\r": out += "&#13;" // the parser would make a line feed of it
            case "\0": return nil
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// An element's start tag as a first paint writes it: the tag name and
/// attributes of `outer` HTML or of a NODE's `tag`, then the NODE's id,
/// classes, styles and attributes applied in the order `build` applies them.
private struct Opening {
    var name: String
    var inside: ParseContext
    var isVoid: Bool
    /// The outer HTML, scanned, and where the element's content is in it.
    var content: FragmentScan?
    var contentRange: Range<Int> = 0..<0
    private var attributes: [(name: String, source: String)] = []
    /// The class attribute's names; nil when written with character references.
    private(set) var classNames: [String] = []
    private var classesReadable = true

    init(name: String, inside: ParseContext) {
        self.name = name
        self.inside = inside
        self.isVoid = ParseContext.void.contains(name)
    }

    /// As `build` makes an element of `outer`: its one element, or a `div`
    /// around whatever else it holds.
    init?(outer: String, in context: ParseContext) {
        let trimmed = Self.trimmedAsJavaScript(outer)
        guard let scan = FragmentScan(trimmed, in: context) else { return nil }
        if let first = scan.elements.first, first.start == 0, first.after == scan.bytes.count {
            name = first.name
            inside = first.inside
            isVoid = first.isVoid
            content = scan
            contentRange = first.contentStart..<first.end
            attributes = first.attributes.map { ($0.name, scan.text($0.source)) }
            if let names = scan.classes(of: first) { classNames = names } else { classesReadable = false }
        } else {
            guard let inside = context.entering("div"), let wrapped = FragmentScan(trimmed, in: inside) else { return nil }
            name = "div"
            self.inside = inside
            isVoid = false
            content = wrapped
            contentRange = 0..<wrapped.bytes.count
        }
    }

    var attributeText: String {
        attributes.map { " " + $0.source }.joined()
    }

    /// The NODE's id, `cls`, `css` and `attrs`; false when one of them would
    /// not read the same as HTML.
    mutating func apply(_ node: RenderNode) -> Bool {
        set("data-gz-id", "\(node.id)")
        if !node.classes.isEmpty {
            guard classesReadable else { return false }
            for name in node.classes {
                // classList.add refuses these, and the render fails.
                guard !name.isEmpty, !name.utf8.contains(where: FragmentScan.isSpace) else { return false }
                if !classNames.contains(name) { classNames.append(name) }
            }
            guard let value = FirstPaintHTML.escapeAttribute(classNames.joined(separator: " ")) else { return false }
            set("class", value)
        }
        if !node.css.isEmpty {
            var declarations: [String] = []
            for (property, value) in node.css {
                guard Self.isPropertyName(property), let text = Self.cssValue(value) else { return false }
                declarations.append("\(property): \(text)")
            }
            var style = declarations.joined(separator: "; ")
            if let existing = attributes.last(where: { $0.name == "style" }) {
                // The page's setProperty adds to what the HTML set.
                guard let old = Self.attributeValue(existing.source), !old.contains(where: "&(\"'\\/{}".contains) else { return false }
                style = old + "; " + style
            }
            guard let value = FirstPaintHTML.escapeAttribute(style) else { return false }
            set("style", value)
        }
        for (attribute, value) in node.attributes {
            guard Self.isAttributeName(attribute) else { return false }
            let name = attribute.lowercased()
            switch value {
            case .boolean(false):
                attributes.removeAll { $0.name == name }
                if name == "class" { classNames = [] }
            case .boolean(true):
                set(name, "")
                if name == "class" { classNames = [] }
            case .string(let text):
                guard let escaped = FirstPaintHTML.escapeAttribute(text) else { return false }
                set(name, escaped)
                if name == "class" {
                    classNames = text.split(whereSeparator: { FragmentScan.isSpace($0.asciiValue ?? 0) }).map(String.init)
                }
            case .integer, .number:
                guard let text = FirstPaintHTML.javaScriptString(value) else { return false }
                set(name, text)
                if name == "class" { classNames = [text] }
            case .other:
                return false
            }
            if name == "data-gz-id" { return false }
        }
        return true
    }

    /// Sets attribute `name` to an escaped value, in place of any of that name.
    private mutating func set(_ name: String, _ escaped: String) {
        let source = "\(name)=\"\(escaped)\""
        if let at = attributes.firstIndex(where: { $0.name == name }) {
            attributes[at].source = source
            attributes.removeAll { $0.name == name && $0.source != source }
        } else {
            attributes.append((name, source))
        }
    }

    /// The value of an attribute as written (`name="v"`, `name='v'`, `name=v`, `name`).
    private static func attributeValue(_ source: String) -> String? {
        guard let equals = source.firstIndex(of: "=") else { return "" }
        var value = source[source.index(after: equals)...].drop(while: { $0 == " " || $0 == "\t" || $0 == "\n" })
        if let quote = value.first, quote == "\"" || quote == "'" {
            value = value.dropFirst()
            if value.last == quote { value = value.dropLast() }
        }
        return String(value)
    }

    private static func isAttributeName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCII,
              first.properties.isAlphabetic || first == "_" || first == ":" else { return false }
        return name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_:.".unicodeScalars.contains($0))
        }
    }

    private static func isPropertyName(_ name: String) -> Bool {
        let body = name.hasPrefix("--") ? name.dropFirst(2) : (name.hasPrefix("-") ? name.dropFirst() : name[...])
        guard let first = body.unicodeScalars.first, name.hasPrefix("--") || first.properties.isAlphabetic else { return false }
        return body.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_")
        }
    }

    /// A style value that setProperty and a style attribute read alike: no
    /// second declaration, `!important`, comment, escape or open bracket or quote.
    private static func cssValue(_ value: RenderValue) -> String? {
        let text: String
        switch value {
        case .string(let s): text = s
        case .integer, .number:
            guard let number = FirstPaintHTML.javaScriptString(value) else { return nil }
            text = number
        case .boolean(let b): text = b ? "true" : "false"
        case .other: return nil
        }
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty, !text.contains("/*"),
              !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || ";{}!\\".unicodeScalars.contains($0) })
        else { return nil }
        var depth = 0
        for scalar in text.unicodeScalars {
            if scalar == "(" { depth += 1 }
            if scalar == ")" { depth -= 1; if depth < 0 { return nil } }
        }
        guard depth == 0, text.filter({ $0 == "\"" }).count % 2 == 0, text.filter({ $0 == "'" }).count % 2 == 0 else { return nil }
        return text
    }

    /// String.prototype.trim: JavaScript's white space and line terminators.
    private static func trimmedAsJavaScript(_ text: String) -> String {
        let space: Set<UInt32> = [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF]
        func isSpace(_ s: Unicode.Scalar) -> Bool { space.contains(s.value) || (0x2000...0x200A).contains(s.value) }
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0) }),
              let last = scalars.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(scalars[first...last])
    }
}
