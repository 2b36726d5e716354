-- hello_curves: each slider move redraws the curve and says so.
local t = require("gizmo.test")

t.test("moving a slider redraws the curve", function()
    local page = t.open("hello_curves.lua")
    t.expect(page:text()):contains("drawn 1 times")
    local sliders = page:find_all{ role = "slider" }
    t.expect(sliders):has_length(2)
    sliders[1]:set(5)
    t.expect(page:text()):contains("drawn 2 times")
    t.expect(page:text()):contains("a = 5.0, b = 2.0")
    sliders[2]:set(7.5)
    t.expect(page:text()):contains("a = 5.0, b = 7.5")
    t.expect(sliders[2]:value()):equals("7.5")
end)
