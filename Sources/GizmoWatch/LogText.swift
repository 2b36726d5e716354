/// Text from a request, a page, a script or a file name, made safe for one
/// log line.
///
/// Such text must not reach the log raw: a newline forges a second line, an
/// ESC sequence rewrites the operator's terminal, and a 4 MiB frame becomes
/// a 4 MiB line. Control characters (C0, DEL, C1), the Unicode line and
/// paragraph separators and the bidirectional overrides are written as
/// escapes (`\n`, `\r`, `\t`, `\u{1B}`), a backslash as `\\` so an escape
/// cannot be faked, and the text is cut after `limit` characters with
/// `... (N more)`.
public enum LogText {
    /// Characters (Unicode scalars) of the original text kept in one line.
    public static let limit = 2000

    public static func escaped(_ text: some StringProtocol, limit: Int = limit) -> String {
        var result = ""
        result.reserveCapacity(min(text.utf8.count, limit) + 16)
        var shown = 0
        var scalars = text.unicodeScalars.makeIterator()
        while shown < limit, let scalar = scalars.next() {
            append(scalar, to: &result)
            shown += 1
        }
        var more = 0
        while scalars.next() != nil { more += 1 }
        if more > 0 { result += "... (\(more) more)" }
        return result
    }

    private static func append(_ scalar: Unicode.Scalar, to result: inout String) {
        switch scalar {
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        case "\\": result += "\\\\"
        case _ where needsEscape(scalar):
            result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
        default:
            result.unicodeScalars.append(scalar)
        }
    }

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true   // C0, DEL, C1 (CSI is 0x9B)
        case 0x2028, 0x2029: true              // line and paragraph separators
        case 0x202A...0x202E, 0x2066...0x2069: true  // bidi embeddings, overrides, isolates
        default: false
        }
    }
}
