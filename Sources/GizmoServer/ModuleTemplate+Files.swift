import Foundation

/// What the files of a new module hold. The script and its test follow the
/// Lua API and the `gizmo.test` API exactly (docs/lua-api.md,
/// docs/testing.md): `gizmolua test` passes on a module just made.
extension ModuleTemplate {
    var initText: String {
        """
        -- \(name): a module of gizmo scripts.
        --
        -- This first comment is the module's description: `gizmolua list` and
        -- the server's entry page show it. Say here what its scripts are for.

        -- Besides its description, init.lua is the module's service: code that
        -- runs once per server, apart from any page, and hands what it makes to
        -- the pages through gz.store (docs/lua-api.md, "The module's service").
        -- Remove the `-- ` in front of these lines to count the seconds since
        -- the server started; a script then shows them with
        -- gz.store.watch("uptime", function(seconds) ... end).
        --
        -- local gz = require("gizmo")
        -- gz.store.set("uptime", 0)
        -- gz.every(1, function()
        --     gz.store.update("uptime", function(seconds) return (seconds or 0) + 1 end)
        -- end)

        """
    }

    var scriptText: String {
        """
        -- A button that counts its clicks.
        --
        -- Made by `gizmolua new \(name)`: change it, and the page reloads as you
        -- save. Run it with `gizmolua run \(name)/\(name).lua`; test it with
        -- `gizmolua test \(name)`.

        local gz = require("gizmo")

        local clicks = 0
        local count = gz.Text("No clicks yet.")

        local function counted()
            clicks = clicks + 1
            count:text(clicks == 1 and "1 click" or clicks .. " clicks")
        end

        gz.Stack({
            gz.Html("<h2>\(name)</h2>"),
            gz.Button("Count", { on_click = counted }),
            count,
        }):show()

        """
    }

    var testText: String {
        """
        -- The tests of \(name).lua: `gizmolua test \(name)` runs them against a
        -- simulated page, with no browser (docs/testing.md).

        local t = require("gizmo.test")

        t.test("starts with no clicks", function()
            local page = t.open("\(name).lua")
            t.expect(page:text()):contains("No clicks yet.")
        end)

        t.test("counts each click", function()
            local page = t.open("\(name).lua")
            local button = page:find{ role = "button", text = "Count" }
            button:click()
            t.expect(page:text()):contains("1 click")
            button:click()
            t.expect(page:text()):contains("2 clicks")
        end)

        t.test("each page counts its own clicks", function()
            local first, second = t.open("\(name).lua"), t.open("\(name).lua")
            first:find{ role = "button", text = "Count" }:click()
            t.expect(first:text()):contains("1 click")
            t.expect(second:text()):contains("No clicks yet.")
        end)

        """
    }

    /// LuaLS's settings (https://luals.github.io/wiki/configuration): Lua 5.4
    /// and the gizmo library, so `require("gizmo")` resolves to the annotated API.
    var editorSettings: String {
        var settings: [String: Any] = [
            "$schema": "https://raw.githubusercontent.com/LuaLS/vscode-lua/master/setting/schema.json",
            "runtime.version": "Lua 5.4",
        ]
        if let library { settings["workspace.library"] = [library.path] }
        let data = try! JSONSerialization.data(withJSONObject: settings,
                                               options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
