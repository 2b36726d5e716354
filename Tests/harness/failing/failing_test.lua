-- Fails on purpose (HarnessRunTests checks the report).
local t = require("gizmo.test")
t.test("passes", function() t.open("failing.lua") end)
t.test("fails at line 5", function()
    local page = t.open("failing.lua"); t.expect(page:text()):contains("something")
end)
t.test("a plain assert", function()
    assert(1 + 1 == 3, "arithmetic")
end)
