/// The elements of a piece of HTML a script wrote (`gz.Html`, `c:html`,
/// a Template), found the way the browser's tokenizer finds tags, for a
/// first paint: whether the fragment may go into the page's HTML as it is,
/// and where its elements start and end (a Template's slots).
///
/// It accepts only fragments whose tags are balanced and nested as written
/// and whose elements ``ParseContext`` allows where they stand: for those,
/// the parser makes the same elements reading the page as `innerHTML` does
/// (scripts and style sheets excepted, which it refuses). Text, character
/// references and attribute values are left to the browser as they are.
struct FragmentScan {
    struct Element {
        /// Lowercase.
        var name: String
        var attributes: [Attribute]
        /// Byte offsets in the fragment.
        var start: Int
        var contentStart: Int
        /// Where its end tag starts (`contentStart` for a void element).
        var end: Int = 0
        /// Just past its end tag (or start tag, for a void element).
        var after: Int = 0
        /// The context of its content.
        var inside: ParseContext
        var isVoid: Bool
    }

    struct Attribute {
        /// Lowercase.
        var name: String
        /// The attribute as written (` name="value"` without the leading space).
        var source: Range<Int>
        /// The value as written, quotes left out; nil for a bare attribute.
        var value: Range<Int>?
    }

    let bytes: [UInt8]
    /// In document order (by start tag).
    private(set) var elements: [Element] = []

    /// Nil when the fragment is not one a first paint may carry as written.
    init?(_ text: String, in context: ParseContext) {
        bytes = Array(text.utf8)
        guard scan(context) else { return nil }
    }

    func text(_ range: Range<Int>) -> String {
        String(decoding: bytes[range], as: UTF8.self)
    }

    /// The class names of element `element`, or nil when its class is written
    /// with character references (not read here).
    func classes(of element: Element) -> [String]? {
        guard let attribute = element.attributes.first(where: { $0.name == "class" }) else { return [] }
        guard let value = attribute.value else { return [] }
        let raw = text(value)
        if raw.contains("&") { return nil }
        return raw.split(whereSeparator: { Self.isSpace($0.asciiValue ?? 0) }).map(String.init)
    }

    private mutating func scan(_ context: ParseContext) -> Bool {
        var open: [Int] = [] // indices into elements
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b == 0 { return false } // the parser drops or replaces it; the DOM keeps it
            guard b == UInt8(ascii: "<"), i + 1 < n else { i += 1; continue }
            let c = bytes[i + 1]
            if c == UInt8(ascii: "!") {
                guard let end = commentEnd(from: i) else { return false }
                i = end
            } else if c == UInt8(ascii: "/") {
                guard i + 2 < n, Self.isAlpha(bytes[i + 2]) else { return false } // `</>` and bogus comments
                let (name, nameEnd) = tagName(from: i + 2)
                guard let tag = attributes(from: nameEnd), tag.attributes.isEmpty, !tag.selfClosing,
                      let top = open.last, elements[top].name == name else { return false }
                elements[top].end = i
                elements[top].after = tag.end
                open.removeLast()
                i = tag.end
            } else if Self.isAlpha(c) {
                let (name, nameEnd) = tagName(from: i + 1)
                guard let tag = attributes(from: nameEnd),
                      let inside = (open.last.map { elements[$0].inside } ?? context).entering(name),
                      !tag.attributes.contains(where: { $0.name == "data-gz-id" }) else { return false }
                let foreign = (open.last.map { elements[$0].inside } ?? context).foreign
                let isVoid = foreign ? tag.selfClosing : ParseContext.void.contains(name)
                elements.append(Element(name: name, attributes: tag.attributes, start: i, contentStart: tag.end,
                                        end: tag.end, after: tag.end, inside: inside, isVoid: isVoid))
                if !isVoid { open.append(elements.count - 1) }
                i = tag.end
            } else if c == UInt8(ascii: "?") {
                return false
            } else {
                i += 1 // `<` before anything else is text
            }
        }
        return open.isEmpty
    }

    /// Past the `-->` of a comment starting at `start`; nil for anything the
    /// tokenizer reads otherwise (doctype, CDATA, a comment cut short).
    private func commentEnd(from start: Int) -> Int? {
        let s = bytes
        guard start + 4 <= s.count, s[start + 2] == UInt8(ascii: "-"), s[start + 3] == UInt8(ascii: "-") else { return nil }
        var j = start + 4
        if j < s.count, s[j] == UInt8(ascii: ">") { return nil }
        if j + 1 < s.count, s[j] == UInt8(ascii: "-"), s[j + 1] == UInt8(ascii: ">") { return nil }
        while j + 2 < s.count {
            if s[j] == UInt8(ascii: "-"), s[j + 1] == UInt8(ascii: "-") {
                if s[j + 2] == UInt8(ascii: ">") { return j + 3 }
                if s[j + 2] == UInt8(ascii: "!") { return nil } // `--!>` ends it too
            }
            j += 1
        }
        return nil
    }

    private func tagName(from start: Int) -> (String, Int) {
        var j = start
        while j < bytes.count, !Self.isSpace(bytes[j]), bytes[j] != UInt8(ascii: "/"), bytes[j] != UInt8(ascii: ">") { j += 1 }
        return (text(start..<j).lowercased(), j)
    }

    /// The attributes of a tag whose name ends at `start`, as HTML's
    /// tokenizer reads them, and the offset past its `>`; nil when the
    /// fragment ends inside the tag (the parser drops such a tag).
    private func attributes(from start: Int) -> (attributes: [Attribute], selfClosing: Bool, end: Int)? {
        let s = bytes
        var j = start
        var attributes: [Attribute] = []
        while true {
            while j < s.count, Self.isSpace(s[j]) { j += 1 }
            guard j < s.count else { return nil }
            if s[j] == UInt8(ascii: ">") { return (attributes, false, j + 1) }
            if s[j] == UInt8(ascii: "/") {
                if j + 1 < s.count, s[j + 1] == UInt8(ascii: ">") { return (attributes, true, j + 2) }
                j += 1
                continue
            }
            let nameStart = j
            j += 1 // a first `=` belongs to the name
            while j < s.count, !Self.isSpace(s[j]), s[j] != UInt8(ascii: "/"), s[j] != UInt8(ascii: ">"), s[j] != UInt8(ascii: "=") { j += 1 }
            let name = text(nameStart..<j).lowercased()
            var k = j
            while k < s.count, Self.isSpace(s[k]) { k += 1 }
            var value: Range<Int>?
            if k < s.count, s[k] == UInt8(ascii: "=") {
                k += 1
                while k < s.count, Self.isSpace(s[k]) { k += 1 }
                guard k < s.count else { return nil }
                if s[k] == UInt8(ascii: "\"") || s[k] == UInt8(ascii: "'") {
                    let quote = s[k]
                    guard let close = s[(k + 1)...].firstIndex(of: quote) else { return nil }
                    value = (k + 1)..<close
                    k = close + 1
                } else if s[k] == UInt8(ascii: ">") {
                    value = k..<k
                } else {
                    let valueStart = k
                    while k < s.count, !Self.isSpace(s[k]), s[k] != UInt8(ascii: ">") { k += 1 }
                    value = valueStart..<k
                }
                j = k
            }
            attributes.append(Attribute(name: name, source: nameStart..<j, value: value))
        }
    }

    static func isSpace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0C || b == 0x0D
    }

    static func isAlpha(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }
}
