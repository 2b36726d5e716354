import Foundation
import GizmoLua

/// A JSON value of the protocol, as a ``SimulatedPage`` reads frames and
/// writes messages. Foundation's JSONSerialization parses (and bounds the nesting);
/// the text is written here so that a message's fields keep gizmo.js's order.
enum PageJSON: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([PageJSON])
    /// Fields in their order: a message is written as gizmo.js writes it.
    case object([(String, PageJSON)])

    static func == (a: PageJSON, b: PageJSON) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case let (.bool(x), .bool(y)): x == y
        case let (.int(x), .int(y)): x == y
        case let (.double(x), .double(y)): x == y
        case let (.int(x), .double(y)), let (.double(y), .int(x)): Double(x) == y
        case let (.string(x), .string(y)): x == y
        case let (.array(x), .array(y)): x == y
        case let (.object(x), .object(y)): x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    /// Parses JSON text; nil when it is not JSON (or nests past the parser's bound).
    static func parse(_ text: String) -> PageJSON? {
        // JSONSerialization: several times quicker than a Decodable enum
        // through JSONDecoder, which matters for a page of many components.
        guard let any = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) else {
            return nil
        }
        return PageJSON(foundation: any)
    }

    /// A value as JSONSerialization gives it (booleans are NSNumbers of type `c`).
    private init(foundation value: Any) {
        switch value {
        case let s as String: self = .string(s)
        case let n as NSNumber:
            let type = String(cString: n.objCType)
            if type == "c" || type == "B" { self = .bool(n.boolValue) }
            else if type == "d" || type == "f" {
                let d = n.doubleValue
                self = d.rounded() == d && abs(d) < 9.0e15 ? .int(Int(d)) : .double(d)
            } else if type == "Q", n.uint64Value > UInt64(Int.max) { self = .double(n.doubleValue) }
            else { self = .int(n.intValue) }
        case let a as [Any]: self = .array(a.map(PageJSON.init(foundation:)))
        case let o as [String: Any]: self = .object(o.keys.sorted().map { ($0, PageJSON(foundation: o[$0]!)) })
        default: self = .null
        }
    }

    /// The field `key` of an object (the first of that name, as JSON.parse keeps the last: keys repeat only in hostile frames).
    subscript(key: String) -> PageJSON? {
        guard case .object(let fields) = self else { return nil }
        return fields.last { $0.0 == key }?.1
    }

    var string: String? { if case .string(let s) = self { s } else { nil } }
    var array: [PageJSON]? { if case .array(let a) = self { a } else { nil } }
    var fields: [(String, PageJSON)]? { if case .object(let f) = self { f } else { nil } }
    var isNull: Bool { self == .null }

    /// An integer, from an integral JSON number.
    var int: Int? {
        switch self {
        case .int(let i): i
        case .double(let d) where d.rounded() == d && abs(d) < 9.0e15: Int(d)
        default: nil
        }
    }

    var number: Double? {
        switch self {
        case .int(let i): Double(i)
        case .double(let d): d
        default: nil
        }
    }

    /// The value as JavaScript's `String(v)` gives it (attributes, text, CSS values).
    var javaScriptString: String {
        switch self {
        case .null: "null"
        case .bool(let b): b ? "true" : "false"
        case .int(let i): String(i)
        case .double(let d): JavaScriptNumber.text(d)
        case .string(let s): s
        case .array(let items): items.map { $0.isNull ? "" : $0.javaScriptString }.joined(separator: ",")
        case .object: "[object Object]"
        }
    }

    /// Compact JSON text.
    var text: String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += d.isFinite ? JavaScriptNumber.text(d) : "null"
        case .string(let s): out += JSONText.string(s)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case .object(let fields):
            out += "{"
            for (i, (key, value)) in fields.enumerated() {
                if i > 0 { out += "," }
                out += JSONText.string(key)
                out += ":"
                value.write(to: &out)
            }
            out += "}"
        }
    }
}

/// Numbers written as JavaScript writes them (`String(2.5)`, `String(3)`),
/// so a value the page shows or sends reads as in a browser.
enum JavaScriptNumber {
    static func text(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        if d == 0 { return "0" }
        if d.rounded() == d && abs(d) < 1e15 { return String(Int64(d)) }
        if d.rounded() == d && abs(d) < 1e21 { return String(format: "%.0f", d) } // JavaScript's digits, not 1e+20
        var text = "\(d)" // shortest round-trip digits, as JavaScript
        if let e = text.firstIndex(of: "e") {
            // Swift writes 1e-07, JavaScript 1e-7.
            let mantissa = text[..<e]
            var exponent = String(text[text.index(after: e)...])
            let sign = exponent.hasPrefix("-") ? "-" : "+"
            exponent = String(exponent.drop { $0 == "-" || $0 == "+" || $0 == "0" })
            text = "\(mantissa)e\(sign)\(exponent)"
        }
        return text
    }
}
