import GizmoLua
import Testing

/// Script docs are the leading comment, read as text.
struct ScriptDocTests {
    @Test func aRunOfDashLinesIsTheDoc() {
        let doc = ScriptDoc(source: """
        #!/usr/bin/env gizmolua
        -- Curves drawn live: move the sliders
        -- to redraw.
        --
        --- A second paragraph, LuaLS style.
        ---@type number
        local x = 1
        -- not the doc
        """)
        #expect(doc.lines == ["Curves drawn live: move the sliders", "to redraw.", "", "A second paragraph, LuaLS style."])
        #expect(doc.summary == "Curves drawn live: move the sliders to redraw.")
        #expect(doc.paragraphs.count == 2)
    }

    @Test func aLongCommentIsTheDoc() {
        let doc = ScriptDoc(source: """

        --[==[
            A poem, read aloud.
              Indented line keeps its extra indent.
        ]==]
        local gz = require("gizmo")
        """)
        #expect(doc.lines == ["A poem, read aloud.", "  Indented line keeps its extra indent."])
        #expect(ScriptDoc(source: "--[[ One line. ]] local x = 1").lines == ["One line."])
    }

    @Test func codeFirstMeansNoDoc() {
        #expect(ScriptDoc(source: "local gz = require('gizmo')\n-- later comment").isEmpty)
        #expect(ScriptDoc(source: "").isEmpty)
        #expect(ScriptDoc(source: "-- a\n\n-- b").lines == ["a"])
    }

    @Test func syntaxErrorsAreFoundWithoutRunning() {
        let broken = Script(displayPath: "m/broken.lua", directory: .init(fileURLWithPath: "/tmp"), source: "-- doc\nlocal = 1\n")
        #expect(broken.syntaxError?.hasPrefix("m/broken.lua:2:") == true)
        // A script that would fail (or loop) when run still compiles.
        let runs = Script(displayPath: "m/ok.lua", directory: .init(fileURLWithPath: "/tmp"), source: "while true do end")
        #expect(runs.syntaxError == nil)
    }
}
