-- Escape class: C functions over huge ranges. string.rep of an empty string
-- 2^53 times, or 2^40 times with an empty separator, copies nothing but
-- counts for ever; table.move over 2^62 slots, and table.concat over 2^53
-- slots that a metatable fills (with "" from a C function: nothing grows),
-- loop inside C where the count hook never looks. Each must end within the CPU limit (or be refused as a size no
-- memory could hold, or simply return: the deadline must hold either way).
local gz = require("gizmo")
local page = require("_page")

-- Fills every slot from C (no Lua instruction runs): type(t) is "table";
-- table.concat(t, i) of this empty table is "".
local filled_by_c = setmetatable({}, { __index = type })
local emptied_by_c = setmetatable({}, { __index = table.concat })
-- Fills every slot from Lua: the count hook sees this one.
local filled_by_lua = setmetatable({}, { __index = function() return "" end })

page.show("C functions over huge ranges", {
    { "string.rep", function() return string.rep("", 2 ^ 53) end, timer = true },
    { "string.rep with separator", function() return string.rep("", 2 ^ 40, "") end },
    { "table.move", function() return table.move({}, 1, 2 ^ 62, 2) end },
    { "table.move through metatables", function()
        local sink = setmetatable({}, { __newindex = rawequal })
        return table.move(filled_by_c, 1, 2 ^ 62, 2, sink)
    end },
    { "table.concat", function() return table.concat(filled_by_lua, "", 1, 2 ^ 53) end },
    { "table.concat through C", function() return table.concat(emptied_by_c, "", 1, 2 ^ 53) end },
})
