@testable import GizmoLua
import Testing

/// How gz.tail cuts bytes into lines, without files.
struct LineSplitterTests {
    @Test func linesEndAtNewlinesAndWaitForTheirEnd() {
        var splitter = LineSplitter()
        #expect(splitter.feed(Array("one\ntw".utf8)[...]) == ["one"])
        #expect(splitter.feed(Array("o\r\n\nthree".utf8)[...]) == ["two", ""])
        #expect(splitter.flush() == "three")
        #expect(splitter.flush() == nil)
    }

    @Test func aLongLineComesInPiecesOfAtMost64KiB() {
        var splitter = LineSplitter()
        let long = String(repeating: "a", count: LineSplitter.maxLine * 2 + 10)
        let lines = splitter.feed(Array((long + "\nnext\n").utf8)[...])
        #expect(lines.map(\.utf8.count) == [LineSplitter.maxLine, LineSplitter.maxLine, 10, 4])
    }

    @Test func aPieceNeverSplitsACharacter() {
        var splitter = LineSplitter()
        // "é" is two bytes: 65,535 ASCII bytes put one across the 64 KiB mark.
        let text = String(repeating: "a", count: LineSplitter.maxLine - 1) + String(repeating: "é", count: 10) + "\n"
        let lines = splitter.feed(Array(text.utf8)[...])
        #expect(lines.count == 2)
        #expect(lines[0].utf8.count == LineSplitter.maxLine - 1)
        #expect(lines[1] == String(repeating: "é", count: 10))
    }

    @Test func bytesThatAreNotUTF8AreReplaced() {
        var splitter = LineSplitter()
        #expect(splitter.feed([0x61, 0xFF, 0x62, 0x0A][...]) == ["a\u{FFFD}b"])
    }
}
