-- waveform_poem: the poem shows at once and the player's buttons wait,
-- disabled, until the player in the page says it is ready (JavaScript, which
-- the simulated page does not run: the browser tests cover the player).
local t = require("gizmo.test")

t.test("the poem shows and the buttons wait for the player", function()
    local page = t.open("waveform_poem.lua")
    t.expect(page:find{ role = "heading" }:text()):matches("%S")
    t.expect(page:text()):contains("loading the recording")
    for _, name in ipairs({ "Attach", "Play", "Pause" }) do
        t.expect(page:find{ role = "button", text = name }:enabled(), name):is_false()
    end
end)
