-- The first click on "Fail" raises a Lua error; later clicks, and the
-- "Works" button, must still run: an error never ends the session.
local gz = require("gizmo")

local out = gz.Text("ready")
local fails = 0
local works = 0

local fail = gz.Button("Fail", {on_click = function()
    fails = fails + 1
    if fails == 1 then
        error("boom")
    end
    out:text("survived " .. fails)
end})

local ok = gz.Button("Works", {on_click = function()
    works = works + 1
    out:text("works " .. works)
end})

gz.Stack({gz.Shelf({fail, ok}), out}):show()
