import GizmoWatch
import Testing

/// Text from outside, made safe for one log line.
struct LogTextTests {
    @Test func plainTextIsUnchanged() {
        #expect(LogText.escaped("GET /gizmo/http/MGR_1_2/index.html é ✓") == "GET /gizmo/http/MGR_1_2/index.html é ✓")
    }

    @Test func controlCharactersCannotForgeLinesOrDriveTheTerminal() {
        let forged = "a\r\n2026-01-01 INFO gizmolua: session started\u{1B}[2J\u{07}\u{0}\u{7F}\u{9B}31m"
        let escaped = LogText.escaped(forged)
        #expect(escaped == #"a\r\n2026-01-01 INFO gizmolua: session started\u{1B}[2J\u{7}\u{0}\u{7F}\u{9B}31m"#)
        #expect(!escaped.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
    }

    @Test func separatorsAndDirectionOverridesAreEscaped() {
        #expect(LogText.escaped("a\u{2028}b\u{202E}txt.exe\u{2066}") == #"a\u{2028}b\u{202E}txt.exe\u{2066}"#)
    }

    @Test func aBackslashIsEscapedSoAnEscapeCannotBeFaked() {
        #expect(LogText.escaped(#"C:\new \n"#) == #"C:\\new \\n"#)
        #expect(LogText.escaped("\t") == #"\t"#)
    }

    @Test func longTextIsCutWithACount() {
        let text = String(repeating: "x", count: 4_000_000)
        let escaped = LogText.escaped(text)
        #expect(escaped == String(repeating: "x", count: 2000) + "... (3998000 more)")
        #expect(LogText.escaped(String(repeating: "é", count: 2000)) == String(repeating: "é", count: 2000))
        #expect(LogText.escaped("\n\n\n", limit: 2) == #"\n\n... (1 more)"#)
    }
}
