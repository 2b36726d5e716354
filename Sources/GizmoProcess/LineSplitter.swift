/// Cuts a program's output (and a followed file, `gz.tail`) into lines, as
/// it arrives in pieces.
///
/// A line ends at `\n` (a `\r` before it is dropped too). A line longer than
/// ``maxLineBytes`` is cut there (at a character boundary when the bytes are
/// UTF-8), so one endless line never makes one endless string. Bytes that
/// are not UTF-8 become U+FFFD. What is left when the output ends is the last
/// line (``finish()``).
public struct LineSplitter: Sendable {
    /// The longest line delivered whole; longer ones arrive in pieces of this size.
    public static let maxLineBytes = 64 << 10

    private var pending: [UInt8] = []
    private let limit: Int

    public init(maxLineBytes: Int = LineSplitter.maxLineBytes) {
        limit = max(4, maxLineBytes)
    }

    /// The lines that `bytes` completes, in order.
    public mutating func split(_ bytes: UnsafeRawBufferPointer) -> [String] {
        var lines: [String] = []
        var start = 0
        for index in bytes.indices where bytes[index] == 0x0A {
            pending.append(contentsOf: bytes[start..<index])
            cutLong(into: &lines)
            lines.append(Self.text(pending, droppingReturn: true))
            pending.removeAll(keepingCapacity: true)
            start = index + 1
        }
        pending.append(contentsOf: bytes[start...])
        cutLong(into: &lines)
        return lines
    }

    public mutating func split(_ bytes: [UInt8]) -> [String] {
        bytes.withUnsafeBytes { split($0) }
    }

    /// Bytes of the line not yet ended (what waits for its `\n`).
    public var pendingBytes: Int { pending.count }

    /// The unterminated last line, if any: the output has ended (or, for a
    /// followed file, the file was rotated away or truncated).
    /// - Parameter droppingReturn: drop a final `\r`, as at the end of a line.
    public mutating func finish(droppingReturn: Bool = false) -> String? {
        guard !pending.isEmpty else { return nil }
        defer { pending.removeAll() }
        return Self.text(pending, droppingReturn: droppingReturn)
    }

    /// Moves full-size pieces of an overlong line out of `pending`.
    private mutating func cutLong(into lines: inout [String]) {
        var start = 0
        while pending.count - start > limit {
            var end = start + limit
            // Back off to the start of a UTF-8 sequence (at most 3 bytes) so
            // that no character is cut in two.
            var backed = 0
            while backed < 3, end > start + 1, pending[end] & 0xC0 == 0x80 {
                end -= 1
                backed += 1
            }
            if backed == 3, pending[end] & 0xC0 == 0x80 { end = start + limit } // not UTF-8 anyway
            lines.append(Self.text(pending[start..<end], droppingReturn: false))
            start = end
        }
        if start > 0 { pending.removeFirst(start) }
    }

    private static func text(_ bytes: some BidirectionalCollection<UInt8>, droppingReturn: Bool) -> String {
        if droppingReturn, bytes.last == 0x0D { return String(decoding: bytes.dropLast(), as: UTF8.self) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
