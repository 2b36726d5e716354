/// An EXPR (docs/protocol.md) written as the JavaScript it stands for:
/// `window.innerWidth`, `document.title`, `el(7).value`,
/// `window.localStorage.getItem("k")`. A test answers a `gz.get` by this text.
enum PageExpression {
    /// Deeper expressions are shown as `…` (a hostile frame may nest far).
    static let maxDepth = 64

    static func javaScript(_ expr: PageJSON, depth: Int = 0) -> String {
        guard depth < maxDepth else { return "…" }
        let next = depth + 1
        guard let fields = expr.fields, fields.count == 1, let (form, value) = fields.first else {
            return expr.fields == nil ? expr.text : "(not an expression)"
        }
        let items = value.array ?? []
        switch form {
        case "root": return value.string ?? value.text
        case "el": return "el(\(value.text))"
        case "ref": return "ref(\(value.text))"
        case "fn": return "fn(\(value.text))"
        case "get" where items.count == 2:
            return javaScript(items[0], depth: next) + member(items[1], depth: next)
        case "set" where items.count == 3:
            return "\(javaScript(items[0], depth: next))\(member(items[1], depth: next)) = \(javaScript(items[2], depth: next))"
        case "call" where items.count == 2:
            return "\(javaScript(items[0], depth: next))(\(arguments(items[1], depth: next)))"
        case "new" where items.count == 2:
            return "new \(javaScript(items[0], depth: next))(\(arguments(items[1], depth: next)))"
        case "arr": return "[\(arguments(value, depth: next))]"
        case "obj":
            let parts = (value.fields ?? []).map { "\(identifier($0.0) ? $0.0 : PageJSON.string($0.0).text): \(javaScript($0.1, depth: next))" }
            return "{" + parts.joined(separator: ", ") + "}"
        default: return "(not an expression)"
        }
    }

    /// `.name` for a key that is an identifier, else `[key]`.
    private static func member(_ key: PageJSON, depth: Int) -> String {
        if let name = key.string, identifier(name) { return "." + name }
        return "[\(javaScript(key, depth: depth))]"
    }

    private static func arguments(_ list: PageJSON, depth: Int) -> String {
        (list.array ?? []).map { javaScript($0, depth: depth) }.joined(separator: ", ")
    }

    private static func identifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || first == "$" || first.properties.isAlphabetic else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || $0 == "$" || $0.properties.isAlphabetic || ("0"..."9").contains($0) }
    }
}
