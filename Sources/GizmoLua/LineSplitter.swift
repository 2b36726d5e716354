/// Bytes of a growing file turned into lines, as `gz.tail` delivers them: a
/// line ends at `\n` (a `\r` before it is dropped), a line longer than
/// ``maxLine`` bytes is cut into pieces of at most that many (between UTF-8
/// characters), and bytes that are not UTF-8 become U+FFFD. A plain struct,
/// tested without files.
struct LineSplitter {
    /// The longest line delivered whole; longer ones come in pieces.
    static let maxLine = 64 << 10

    /// Bytes of the line not yet ended.
    private(set) var partial: [UInt8] = []

    /// The lines `bytes` completes, in order.
    mutating func feed(_ bytes: ArraySlice<UInt8>) -> [String] {
        var lines: [String] = []
        var rest = bytes
        while let newline = rest.firstIndex(of: UInt8(ascii: "\n")) {
            partial.append(contentsOf: rest[..<newline])
            cutLongLine(into: &lines)
            lines.append(Self.text(partial, endOfLine: true))
            partial.removeAll(keepingCapacity: true)
            rest = rest[(newline + 1)...]
        }
        partial.append(contentsOf: rest)
        cutLongLine(into: &lines)
        return lines
    }

    private mutating func cutLongLine(into lines: inout [String]) {
        while partial.count > Self.maxLine {
            let cut = Self.boundary(partial, before: Self.maxLine)
            lines.append(Self.text(partial[..<cut], endOfLine: false))
            partial.removeFirst(cut)
        }
    }

    /// The line not yet ended, as a line (the file it came from is done
    /// with: rotated away or truncated); nil when there is none.
    mutating func flush() -> String? {
        guard !partial.isEmpty else { return nil }
        defer { partial = [] }
        return Self.text(partial, endOfLine: true)
    }

    private static func text(_ bytes: some BidirectionalCollection<UInt8>, endOfLine: Bool) -> String {
        if endOfLine, bytes.last == UInt8(ascii: "\r") {
            return String(decoding: bytes.dropLast(), as: UTF8.self)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The largest index at most `limit` that does not split a UTF-8
    /// character (or `limit` itself when the bytes there are not UTF-8).
    private static func boundary(_ bytes: [UInt8], before limit: Int) -> Int {
        var cut = limit
        // A continuation byte (10xxxxxx) belongs to the character before it;
        // a character is at most 4 bytes, so look back at most 3.
        while cut > limit - 3, cut > 0, bytes[cut] & 0xC0 == 0x80 { cut -= 1 }
        return bytes[cut] & 0xC0 == 0x80 ? limit : cut
    }
}
