-- Prints what the simulated page shows before and after the same actions
-- Tests/e2e/test_harness_drift.py performs in Chromium.
local t = require("gizmo.test")
local page = t.open("drift.lua")
print("<<<before")
print(page:text())
print(">>>")
page:find{ placeholder = "Your words" }:type("hello <b>& world")
page:find{ role = "button", text = "Apply" }:click()
print("<<<after")
print(page:text())
print(">>>")
