-- Escape class: component metatables and the tables the renderer reads.
-- Each road changes the "victim" button (its metatable, which every button
-- shares; the fields the runtime keeps in it) so that reading it runs the
-- script's code, then sets off every runtime path (see _page.lua), whose
-- render reads every component. The runtime may only run such code under
-- the CPU deadline, and the session must go on.
local gz = require("gizmo")
local page = require("_page")
local spin = page.spin

-- A table whose metatable's own lookups spin: the JSON encoder looks for a
-- marker in the metatable of an empty table.
local function spinning_metatable()
    return setmetatable({}, setmetatable({}, { __index = spin }))
end

page.show("Component metatables", {
    { "__index", function(_, p) getmetatable(p.victim).__index = spin end, paths = true },
    { "__newindex", function(_, p) getmetatable(p.victim).__newindex = spin end, paths = true },
    { "setmetatable", function(_, p) setmetatable(p.victim, { __index = spin }) end, paths = true },
    { "_methods", function(_, p) rawset(p.victim, "_methods", setmetatable({}, { __index = spin })) end, paths = true },
    { "kids", function(_, p) rawset(p.victim, "kids", setmetatable({}, { __len = spin, __index = spin })) end, paths = true },
    { "kids of junk", function(_, p) rawset(p.victim, "kids", { 42, "x", {} }) end, paths = true },
    { "_handlers", function(_, p) rawset(p.victim, "_handlers", setmetatable({}, { __index = spin })) end, paths = true },
    { "_css", function(_, p) rawset(p.victim, "_css", { color = spinning_metatable() }) end, paths = true },
    { "_attrs", function(_, p) rawset(p.victim, "_attrs", { title = spinning_metatable() }) end, paths = true },
    { "error object", function() error(setmetatable({}, { __tostring = spin, __name = "spinner" })) end, paths = true },
})
