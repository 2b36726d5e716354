import Foundation
import GizmoLua
import Testing

/// gizmolua's own pattern matcher (match.c, which the CPU deadline can stop)
/// answers what Lua 5.4.4's string library answers: the same results and the
/// same error messages, for Tests/patterns/cases.lua.
struct PatternTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("patterns")

    @Test func theMatcherAnswersAsLuasOwn() throws {
        let cases = try String(contentsOf: Self.folder.appendingPathComponent("cases.lua"), encoding: .utf8)
        let expected = try Data(contentsOf: Self.folder.appendingPathComponent("stock-5.4.4.txt"))
        let lua = try LuaState(memoryLimit: 0)
        try lua.load(source: cases, chunkName: "@cases.lua")
        try lua.call(arguments: 0, results: 1, cpuSeconds: 10)
        let answered = try #require(lua.bytes(at: -1))
        let lines = answered.split(separator: 10, omittingEmptySubsequences: false)
        let expectedLines = Array(expected).split(separator: 10, omittingEmptySubsequences: false)
        #expect(lines.count == expectedLines.count)
        for (number, (got, want)) in zip(lines, expectedLines).enumerated() where got != want {
            Issue.record("line \(number + 1): \(String(decoding: got, as: UTF8.self)) instead of \(String(decoding: want, as: UTF8.self))")
        }
    }
}
