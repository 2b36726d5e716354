import GizmoLua
import Testing

/// What a script is told when it names something the library does not have:
/// the nearest name it does have, at the script's line (mistakes.lua).
struct FriendlyMistakesTests {
    func bootError(_ code: String, service: Bool = false) async throws -> String? {
        try await VMHarness("local gz = require(\"gizmo\")\n\(code)", service: service).boot.error
    }

    @Test(arguments: [
        ("gz.Buton(\"x\")", "test.lua:2: gz.Buton is not part of the library; did you mean gz.Button?"),
        ("gz.button(\"x\")", "test.lua:2: gz.button is not part of the library; did you mean gz.Button?"),
        ("gz.Slidr{}", "test.lua:2: gz.Slidr is not part of the library; did you mean gz.Slider?"),
        ("gz.CheckBox({\"a\"})", "test.lua:2: gz.CheckBox is not part of the library; did you mean gz.CheckBoxes?"),
        ("gz.sleeep(1)", "test.lua:2: gz.sleeep is not part of the library; did you mean gz.sleep?"),
        ("local s = gz.stor", "test.lua:2: gz.stor is not part of the library; did you mean gz.store?"),
        ("gz.Frobnicate()", "test.lua:2: gz.Frobnicate is not part of the library (docs/lua-api.md lists what is)"),
        ("local x = gz[1]", "test.lua:2: gz[1] is not part of the library (docs/lua-api.md lists what is)"),
    ])
    func anUnknownNameOnGzSuggestsTheNearestOne(code: String, expected: String) async throws {
        #expect(try await bootError(code) == expected)
    }

    @Test func aLongUnknownNameIsCutAndGetsNoSuggestion() async throws {
        let error = try await bootError("gz[string.rep('Button', 1000)]()")
        #expect(error?.hasPrefix("test.lua:2: gz.ButtonButton") == true)
        #expect(error?.contains("...") == true)
        #expect(error?.contains("did you mean") == false)
        #expect((error?.count ?? 0) < 200)
    }

    @Test func aServiceIsToldTheNearestNameToo() async throws {
        #expect(try await bootError("gz.evry(1, function() end)", service: true)
            == "test.lua:2: gz.evry is not part of the library; did you mean gz.every?")
    }

    @Test func namesTheScriptSetsOnGzStayItsOwn() async throws {
        #expect(try await bootError("gz.mine = 1\nassert(gz.mine == 1)") == nil)
    }

    @Test func aMisspelledOptionNamesTheOptionsThereAre() async throws {
        #expect(try await bootError("gz.Button(\"x\", {on_clik = function() end})")
            == "test.lua:2: Button: unknown option on_clik (did you mean on_click?); options: class, css, enabled, on_click, title")
        #expect(try await bootError("gz.Text(\"x\", {colour = \"red\"})")
            == "test.lua:2: Text: unknown option colour; options: class, css, title")
        #expect(try await bootError("gz.Stack({}, {\"x\"})")
            == "test.lua:2: Stack: unknown option [1]; options: child_css, class, css, title")
    }

    /// Every constructor that takes an options table refuses an unknown
    /// option at the script's line, under its own name, and takes every one
    /// of the options it names (as docs/lua-api.md lists them).
    @Test(arguments: [
        ("Html", "gz.Html('<b>x</b>', %@)", "class, css, title"),
        ("Text", "gz.Text('x', %@)", "class, css, title"),
        ("Button", "gz.Button('x', %@)", "class, css, enabled, on_click, title"),
        ("Stack", "gz.Stack({}, %@)", "child_css, class, css, title"),
        ("Shelf", "gz.Shelf({}, %@)", "child_css, class, css, title"),
        ("ClickableText", "gz.ClickableText('x', %@)", "class, color, css, on_click, title"),
        ("Input", "gz.Input('x', %@)", "class, css, on_change, on_enter, placeholder, size, title, type"),
        ("LabelledInput", "gz.LabelledInput('a', 'x', %@)", "class, css, on_change, on_enter, placeholder, size, title, type"),
        ("Slider", "gz.Slider(%@)", "class, css, maximum, minimum, on_change, step, title, value"),
        ("RangeSlider", "gz.RangeSlider(%@)", "class, css, maximum, minimum, on_change, step, title, values"),
        ("CheckBoxes", "gz.CheckBoxes({'a'}, %@)", "class, css, on_change, selected, title"),
        ("RadioButtons", "gz.RadioButtons({'a'}, %@)", "class, css, on_change, selected, title"),
        ("DropDownSelect", "gz.DropDownSelect({'a'}, %@)", "class, css, on_change, selected, title"),
        ("Template", "gz.Template('<div></div>', %@)", "class, css, title"),
        ("Image", "gz.Image(%@)", "alt, bytes, class, css, file, height, mime, title, width"),
        ("Plot", "gz.Plot(%@)", "class, css, height, max_points, title, width, xlabel, ylabel"),
        ("Progress", "gz.Progress(%@)", "class, css, label, maximum, title, value"),
        ("Log", "gz.Log(%@)", "class, css, keep, title"),
    ])
    func everyConstructorChecksItsOptions(name: String, call: String, options: String) async throws {
        let wrong = call.replacingOccurrences(of: "%@", with: "{wrong_option = 1}")
        #expect(try await bootError(wrong) == "test.lua:2: \(name): unknown option wrong_option; options: \(options)")
        // Every option named is taken (with values of the right kinds).
        let values: [String: String] = [
            "class": "'c'", "css": "{}", "title": "'t'", "enabled": "true", "on_click": "function() end",
            "child_css": "{}", "color": "'red'", "on_change": "function() end", "on_enter": "function() end",
            "placeholder": "'p'", "size": "3", "type": "'text'", "maximum": "10", "minimum": "0", "step": "1",
            "value": "1", "values": "{1, 2}", "selected": "nil", "alt": "'a'", "bytes": "'x'", "file": "nil",
            "height": "10", "mime": "'image/png'", "width": "10", "max_points": "10", "xlabel": "'x'",
            "ylabel": "'y'", "label": "'l'", "keep": "10",
        ]
        let all = options.split(separator: ", ").map { "\($0) = \(values[String($0)] ?? "nil")" }.joined(separator: ", ")
        let right = call.replacingOccurrences(of: "%@", with: "{\(all)}")
        #expect(try await bootError(right) == nil, "\(right)")
    }
}
