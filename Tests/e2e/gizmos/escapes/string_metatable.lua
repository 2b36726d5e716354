-- Escape class: the string metatable. Every string shares it, the runtime's
-- strings too, so a script that changes it (its __index, a method reached
-- through it, __tostring, __name, __concat) could have its code run by the
-- runtime's own string handling. Each road changes one, then sets off every
-- runtime path (see _page.lua); none of them may reach the script's code.
local gz = require("gizmo")
local page = require("_page")
local spin = page.spin
local strings = getmetatable("")

page.show("The string metatable", {
    { "__index", function() strings.__index = spin end, paths = true },
    { "__index.find", function() strings.__index.find = spin end, paths = true },
    { "__index.gmatch", function() strings.__index.gmatch = spin end, paths = true },
    { "__index table", function() strings.__index = setmetatable({}, { __index = spin }) end, paths = true },
    { "__tostring", function() strings.__tostring = spin end, paths = true },
    { "__name", function() strings.__name = spin end, paths = true },
    { "__concat", function() strings.__concat = spin end, paths = true },
})
