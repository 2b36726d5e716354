@testable import GizmoHarness
import Testing

/// Real frames from real components (a GizmoVM runs the script), and a
/// person's actions on them reaching the Lua handlers as from Chromium.
@Suite struct SimulatedPageComponentTests {
    static let form = """
    local gz = require("gizmo")
    local status = gz.Text("nothing yet")
    local name = gz.Input("", {placeholder = "Your name", on_change = function(v) status:text("typed " .. v) end,
        on_enter = function(v) status:text("entered " .. v) end})
    local go = gz.Button("Go", {on_click = function() status:text("clicked with " .. name.value) end})
    local off = gz.Button("Off", {enabled = false, on_click = function() status:text("never") end})
    local size = gz.DropDownSelect({{"Small", "s"}, {"Large", "l"}}, {on_change = function(v) status:text("size " .. v) end})
    local color = gz.RadioButtons({"red", "green"}, {on_change = function(v) status:text("color " .. v) end})
    local boxes = gz.CheckBoxes({"a", "b"}, {on_change = function(v) status:text("boxes " .. table.concat(v, ",")) end})
    local level = gz.Slider{minimum = 0, maximum = 10, step = 0.5, value = 2, on_change = function(v) status:text("level " .. v) end}
    local city = gz.LabelledInput("City", "Paris")
    local secret = gz.Text("secret", {css = {display = "none"}})
    gz.Stack({ gz.Html("<h1>Demo</h1>"), name, {go, off}, size, color, boxes, level, city.label_container, secret, status }):show()
    """

    func open(_ source: String = form) async throws -> SimulatedPageDriver {
        let driver = try await SimulatedPageDriver(source)
        #expect(driver.boot.error == nil)
        await driver.connect()
        return driver
    }

    func status(_ d: SimulatedPageDriver) -> String {
        d.page.text().split(separator: "\n").last.map(String.init) ?? ""
    }

    @Test func theRenderReadsAsInnerTextDoes() async throws {
        let d = try await open()
        #expect(d.page.text() == """
        Demo
        Go
        Off
        Small
        Large
        red
        green
        a
        b
        City
        nothing yet
        """)
        #expect(d.page.tray.isEmpty)
    }

    @Test func clickingAButtonRunsItsHandler() async throws {
        let d = try await open()
        let go = try d.find(.role("button", "Go"))
        try await d.act { page throws(PageError) in try page.click(go) }
        #expect(status(d) == "clicked with")
        #expect(d.page.tray.isEmpty)
    }

    @Test func typingSendsInputThenChangeAndTheValueReachesLua() async throws {
        let d = try await open()
        let name = try d.find(.placeholder("Your name"))
        try await d.act { page throws(PageError) in try page.type(name, "Ann") }
        #expect(status(d) == "typed Ann")
        #expect(d.page.value(of: name) == "Ann")
        try await d.act { page throws(PageError) in try page.click(try page.find(.text("Go"))) }
        #expect(status(d) == "clicked with Ann")
        // Typing replaces the text; Enter runs on_enter.
        try await d.act { page throws(PageError) in try page.type(name, "Bo\n") }
        #expect(status(d) == "entered Bo")
        #expect(d.page.tray.isEmpty)
    }

    @Test func aDisabledButtonCannotBeClicked() async throws {
        let d = try await open()
        let off = try d.find(.role("button", "Off"))
        #expect(!d.page.isEnabled(off))
        #expect(throws: PageError.self) { try d.page.click(off) }
        #expect(d.page.messagesToSend().isEmpty)
    }

    @Test func choosingFromADropdownByLabelOrValue() async throws {
        let d = try await open()
        let size = try d.find(.role("combobox"))
        #expect(d.page.value(of: size) == "1")
        try await d.act { page throws(PageError) in try page.choose(size, "Large") }
        #expect(status(d) == "size l")
        try await d.act { page throws(PageError) in try page.choose(size, "1") }
        #expect(status(d) == "size s")
        #expect(throws: PageError.self) { try d.page.choose(size, "Huge") }
    }

    @Test func radioButtonsAndCheckBoxes() async throws {
        let d = try await open()
        let green = try d.find(.init(label: "green", role: "radio"))
        try await d.act { page throws(PageError) in try page.click(green) }
        #expect(status(d) == "color green")
        #expect(d.page.checked(of: green) == true)
        let colors = try d.find(.init(label: "red", role: "radio"))
        #expect(d.page.checked(of: colors) == false)
        // choose on the group picks by label.
        let b = try d.find(.init(label: "b", role: "checkbox"))
        try await d.act { page throws(PageError) in try page.choose(b, "true") }
        #expect(status(d) == "boxes b")
        try await d.act { page throws(PageError) in try page.click(try page.find(.init(text: "a"))) } // the label's text
        #expect(status(d) == "boxes a,b")
        try await d.act { page throws(PageError) in try page.choose(b, "false") }
        #expect(status(d) == "boxes a")
    }

    @Test func aSliderClampsAndStepsLikeABrowser() async throws {
        let d = try await open()
        let level = try d.find(.role("slider"))
        #expect(d.page.value(of: level) == "2")
        try await d.act { page throws(PageError) in try page.set(level, 7.3) }
        #expect(status(d) == "level 7.5")
        try await d.act { page throws(PageError) in try page.set(level, 99) }
        #expect(status(d) == "level 10")
        #expect(d.page.value(of: level) == "10")
    }

    @Test func labelsPlaceholdersAndHiddenElements() async throws {
        let d = try await open()
        let city = try d.find(.label("City"))
        #expect(d.page.value(of: city) == "Paris")
        let secret = try d.find(.text("secret"))
        #expect(!d.page.isVisible(secret))
        #expect(throws: PageError.self) { try d.page.click(secret) }
        #expect(!d.page.text().contains("secret"))
        let heading = try d.find(.role("heading"))
        #expect(d.page.text(of: heading) == "Demo")
    }

    @Test func findingExplainsWhatThePageHolds() async throws {
        let d = try await open()
        do {
            _ = try d.find(.role("button", "Stop"))
            Issue.record("found a Stop button")
        } catch {
            #expect(error.message.contains("nothing on the page matches {text = \"Stop\", role = \"button\"}"))
            #expect(error.message.contains("button \"Go\""))
        }
        do {
            _ = try d.find(.role("button"))
            Issue.record("one button only")
        } catch {
            #expect(error.message.contains("2 elements match"))
            #expect(error.message.contains("nth"))
        }
        #expect(try d.find(.init(role: "button", nth: 2)) == d.find(.text("Off")))
        #expect(d.page.findAll(.role("textbox")).count == 2)
    }

    @Test func logProgressAndPlotShowTheirText() async throws {
        let d = try await open("""
        local gz = require("gizmo")
        local log = gz.Log{keep = 3}
        local bar = gz.Progress{value = 3, maximum = 10, label = "Training"}
        local plot = gz.Plot{width = 300, height = 200}
        plot:title("Loss")
        local n = 0
        local step = gz.Button("Step", {on_click = function()
            n = n + 1
            log:append("line " .. n)
            bar:set_value(n)
            plot:append("loss", n, 1 / n)
        end})
        log:append({"line a", "line b"})
        gz.Stack({step, bar, log, plot}):show()
        """)
        let text = d.page.text()
        #expect(text.contains("Training 30%"))
        #expect(text.contains("line a\nline b"))
        #expect(text.contains("Loss"))
        let step = try d.find(.text("Step"))
        for _ in 0..<4 { try await d.act { page throws(PageError) in try page.click(step) } }
        let log = try d.find(.init(text: "line 4"))
        #expect(d.page.text(of: log) == "line 2\nline 3\nline 4")
        let bar = try d.find(.role("progressbar"))
        #expect(d.page.value(of: bar) == "4")
        #expect(d.page.text().contains("Training 40%"))
        #expect(d.page.tray.isEmpty)
    }

    @Test func aSecondRenderFromAReconnectKeepsTheValuesTheScriptKept() async throws {
        let d = try await open()
        let name = try d.find(.placeholder("Your name"))
        try await d.act { page throws(PageError) in try page.type(name, "Cy") }
        try await d.act { page throws(PageError) in try page.choose(try page.find(.role("combobox")), "Large") }
        // A page that joins anew gets a render with what Lua knows.
        let fresh = await d.join("test-page-2")
        #expect(fresh.value(of: try fresh.find(.placeholder("Your name"))) == "Cy")
        #expect(fresh.value(of: try fresh.find(.role("combobox"))) == "2")
    }

    @Test func aLuaErrorInAHandlerReachesTheTray() async throws {
        let d = try await open("""
        local gz = require("gizmo")
        gz.Button("Boom", {on_click = function() error("kaput") end}):show()
        """)
        try await d.act { page throws(PageError) in try page.click(try page.find(.text("Boom"))) }
        #expect(d.page.tray.count == 1)
        #expect(d.page.tray.first?.contains("kaput") == true)
    }
}

