-- Escape class: __gc finalizers. Lua runs a finalizer with its hooks off,
-- so a spinning one would escape the CPU deadline wherever it runs: in the
-- script's collectgarbage(), in the runtime's collection after a render, or
-- when the session's state closes. Roads: a table with a spinning __gc
-- collected at once, later (a timer), by the runtime, or only at session end;
-- a placeholder __gc replaced after setmetatable; a component given one.
-- setmetatable must refuse a __gc (an error naming "__gc"), and nothing may
-- keep a core busy when the session ends.
local gz = require("gizmo")
local page = require("_page")
local spin = page.spin

local kept = {} -- keeps its tables alive until the state closes

local function finalized()
    return setmetatable({}, { __gc = spin })
end

page.show("Finalizers", {
    { "collect", function()
        finalized()
        collectgarbage()
    end, timer = true },
    { "runtime collect", function()
        finalized() -- garbage when the handler ends: the runtime collects after the next render
    end },
    { "session end", function()
        kept[#kept + 1] = finalized()
    end },
    { "placeholder", function()
        local mt = { __gc = true }
        local t = setmetatable({}, mt)
        mt.__gc = spin
        t = nil
        collectgarbage()
    end },
    { "component", function(_, p)
        setmetatable(p.victim, { __gc = spin })
    end },
    { "component kind", function(_, p)
        getmetatable(p.victim).__gc = spin
        gz.Button("junk") -- a new button, garbage at once, made with that metatable
        collectgarbage()
    end, paths = true },
})
