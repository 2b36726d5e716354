-- Escape class: redefined globals. Each road replaces one global or library
-- function the runtime might call (pairs, string.find, ...) with one that
-- never returns, then sets off every runtime path: a timer, a proxy command,
-- an error report; the test adds a render (a second hello), clicks and an
-- error from the page. The runtime must use only what it captured when it
-- loaded, so none of these may reach the replaced function.
local gz = require("gizmo")
local page = require("_page")
local spin = page.spin

-- Where each name lives, looked up now, before any road replaces anything.
local env = _ENV
local names = {
    "pairs", "ipairs", "next", "type", "tostring", "tonumber", "select", "rawget", "rawequal", "rawlen",
    "setmetatable", "getmetatable", "error", "pcall", "collectgarbage",
    "table.concat", "table.insert", "table.remove", "table.unpack", "table.sort",
    "string.format", "string.gsub", "string.find", "string.gmatch", "string.match", "string.sub", "string.rep",
    "coroutine.resume", "coroutine.create", "coroutine.status", "coroutine.running", "math.floor",
}

local roads = {}
for _, name in ipairs(names) do
    local library, key = name:match("^(%a+)%.(%a+)$")
    local owner = library and env[library] or env
    key = key or name
    roads[#roads + 1] = { name, function() owner[key] = spin end, paths = true }
end

page.show("Redefined globals", roads)
