import Foundation

/// The doc of a script (or of a module's `init.lua`): its leading comment,
/// read as text and never by running anything.
///
/// The comment is the first block before any statement: either a run of
/// `--` lines (LuaLS's `---` works too; a `---@` annotation ends the block)
/// or one long comment `--[[ ... ]]` / `--[==[ ... ]==]`. A `#!` first line
/// and blank lines before the block are skipped; a blank line ends a run of
/// `--` lines.
public struct ScriptDoc: Sendable, Equatable {
    /// The comment's text, one string per line, with the comment marks removed.
    public var lines: [String]

    public init(lines: [String]) {
        self.lines = lines
    }

    public init(source: String) {
        self.init(lines: Self.read(source))
    }

    public var isEmpty: Bool { lines.isEmpty }

    /// The text as paragraphs: runs of lines separated by blank lines, each
    /// joined into one line.
    public var paragraphs: [String] {
        var result: [String] = []
        var current: [String] = []
        for line in lines + [""] {
            let trimmed = line.trimmingWhitespace
            if trimmed.isEmpty {
                if !current.isEmpty { result.append(current.joined(separator: " ")) }
                current = []
            } else {
                current.append(trimmed)
            }
        }
        return result
    }

    /// The first paragraph: what a listing shows on one line.
    public var summary: String { paragraphs.first ?? "" }

    private static func read(_ source: String) -> [String] {
        var lines = source.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? $0.dropLast() : $0
        }[...]
        if lines.first?.hasPrefix("#") == true { lines = lines.dropFirst() }
        while let first = lines.first, first.trimmingWhitespace.isEmpty { lines = lines.dropFirst() }
        guard let first = lines.first?.drop(while: { $0 == " " || $0 == "\t" }), first.hasPrefix("--") else {
            return []
        }
        if let level = longBracketLevel(first.dropFirst(2)) {
            return longComment(lines, level: level)
        }
        var text: [String] = []
        for line in lines {
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            guard trimmed.hasPrefix("--"), !trimmed.hasPrefix("---@") else { break }
            var body = trimmed.drop(while: { $0 == "-" })
            if body.first == " " { body = body.dropFirst() }
            text.append(String(body).trimmingTrailingWhitespace)
        }
        return trimBlankEnds(text)
    }

    /// `[[` is level 0, `[==[` is level 2; nil when `text` does not open a long bracket.
    private static func longBracketLevel(_ text: Substring) -> Int? {
        guard text.first == "[" else { return nil }
        let rest = text.dropFirst()
        let equals = rest.prefix { $0 == "=" }
        return rest.dropFirst(equals.count).first == "[" ? equals.count : nil
    }

    private static func longComment(_ lines: ArraySlice<Substring>, level: Int) -> [String] {
        let close = "]" + String(repeating: "=", count: level) + "]"
        let opener = "--[" + String(repeating: "=", count: level) + "["
        var text: [String] = []
        for (index, line) in lines.enumerated() {
            var body = Substring(line)
            if index == 0, let range = body.range(of: opener) { body = body[range.upperBound...] }
            if let end = body.range(of: close) {
                text.append(String(body[..<end.lowerBound]).trimmingTrailingWhitespace)
                return trimBlankEnds(text)
            }
            text.append(String(body).trimmingTrailingWhitespace)
        }
        return trimBlankEnds(text) // an unclosed comment: the script will not compile anyway
    }

    private static func trimBlankEnds(_ lines: [String]) -> [String] {
        var lines = lines[...]
        while lines.first?.trimmingWhitespace.isEmpty == true { lines = lines.dropFirst() }
        while lines.last?.trimmingWhitespace.isEmpty == true { lines = lines.dropLast() }
        return dedent(Array(lines))
    }

    /// Removes the indentation all non-blank lines share (a `--[[` block is
    /// often indented).
    private static func dedent(_ lines: [String]) -> [String] {
        let indents = lines.filter { !$0.trimmingWhitespace.isEmpty }.map { $0.prefix { $0 == " " || $0 == "\t" }.count }
        guard let common = indents.min(), common > 0 else { return lines }
        return lines.map { $0.trimmingWhitespace.isEmpty ? "" : String($0.dropFirst(common)) }
    }
}

private extension StringProtocol {
    var trimmingWhitespace: String { trimmingCharacters(in: .whitespaces) }

    var trimmingTrailingWhitespace: String {
        String(String(self).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
