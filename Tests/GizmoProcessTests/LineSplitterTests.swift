import Testing
@testable import GizmoProcess

/// Output cut into lines as it arrives in pieces.
struct LineSplitterTests {
    @Test func linesEndAtNewlinesAcrossPiecesAndTheRestComesAtTheEnd() {
        var splitter = LineSplitter()
        #expect(splitter.split(Array("one\ntw".utf8)) == ["one"])
        #expect(splitter.split(Array("o\r\n\nthr".utf8)) == ["two", ""])
        #expect(splitter.split(Array("ee".utf8)) == [])
        #expect(splitter.finish() == "three")
        #expect(splitter.finish() == nil)
    }

    @Test func aLongLineIsCutAtTheCapWithoutSplittingACharacter() {
        var splitter = LineSplitter(maxLineBytes: 8)
        // "abcdefg" + "é" (2 bytes) would cut the é at byte 8: the piece ends before it.
        let lines = splitter.split(Array("abcdefgé123\n".utf8))
        #expect(lines == ["abcdefg", "é123"])
        var exact = LineSplitter(maxLineBytes: 4)
        #expect(exact.split(Array("abcd\nabcdefghij\n".utf8)) == ["abcd", "abcd", "efgh", "ij"])
    }

    @Test func theDefaultCapIs64KiB() {
        var splitter = LineSplitter()
        let lines = splitter.split([UInt8](repeating: 0x61, count: 150_000) + [0x0A])
        #expect(lines.map(\.utf8.count) == [65_536, 65_536, 150_000 - 131_072])
    }

    @Test func bytesThatAreNotUTF8BecomeReplacementCharacters() {
        var splitter = LineSplitter()
        #expect(splitter.split([0x61, 0xFF, 0x62, 0x0A]) == ["a\u{FFFD}b"])
    }

    // gz.tail's use: a followed file's last line, when the file is rotated
    // away or truncated, ends as a line does (its \r dropped).
    @Test func aFollowedFilesLastLineEndsAsALineDoes() {
        var splitter = LineSplitter()
        #expect(splitter.split(Array("one\ntw".utf8)) == ["one"])
        #expect(splitter.split(Array("o\r\n\nthree\r".utf8)) == ["two", ""])
        #expect(splitter.pendingBytes == 6)
        #expect(splitter.finish(droppingReturn: true) == "three")
        #expect(splitter.finish(droppingReturn: true) == nil)
    }

    @Test func aPieceAtTheDefaultCapNeverSplitsACharacter() {
        var splitter = LineSplitter()
        // "é" is two bytes: 65,535 ASCII bytes put one across the 64 KiB mark.
        let text = String(repeating: "a", count: LineSplitter.maxLineBytes - 1) + String(repeating: "é", count: 10) + "\n"
        let lines = splitter.split(Array(text.utf8))
        #expect(lines.count == 2)
        #expect(lines[0].utf8.count == LineSplitter.maxLineBytes - 1)
        #expect(lines[1] == String(repeating: "é", count: 10))
    }
}
