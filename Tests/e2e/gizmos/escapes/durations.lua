-- Escape class: durations that are not durations. A number of seconds from
-- a script (or from the page, through an event) that is huge, infinite,
-- negative or not a number once overflowed the server's clock arithmetic
-- and stopped the whole process. Roads: gz.after, gz.every, gz.sleep and
-- gz.get's timeout, each with 1e300, math.huge, -1, 0/0 and 2^63, plus
-- gz.after with a number the page sent. Each must be an error at the
-- script's line naming the function and "seconds"; the server goes on.
local gz = require("gizmo")
local page = require("_page")

local values = {
    { "1e300", 1e300 }, { "math.huge", math.huge }, { "-1", -1 }, { "0/0", 0 / 0 }, { "2^63", 2 ^ 63 },
}
local calls = {
    ["gz.after"] = function(seconds) gz.after(seconds, function() end) end,
    ["gz.every"] = function(seconds) gz.every(seconds, function() end) end,
    ["gz.sleep"] = function(seconds) gz.sleep(seconds) end,
    ["gz.get"] = function(seconds) gz.get(gz.window.innerWidth, { timeout = seconds }) end,
}

local roads = {}
for _, name in ipairs({ "gz.after", "gz.every", "gz.sleep", "gz.get" }) do
    for _, value in ipairs(values) do
        roads[#roads + 1] = { name .. " " .. value[1], function() calls[name](value[2]) end }
    end
end
roads[#roads + 1] = { "gz.after from the page", function(event) calls["gz.after"](event.seconds) end }

page.show("Durations", roads)
