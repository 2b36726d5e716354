-- "Spin" never returns; run with --cpu-limit 1 so the limit stops it
-- quickly. "Ping" must still work afterwards.
local gz = require("gizmo")

local out = gz.Text("idle")
local pings = 0

local spin = gz.Button("Spin", {on_click = function()
    while true do end
end})

local ping = gz.Button("Ping", {on_click = function()
    pings = pings + 1
    out:text("pong " .. pings)
end})

gz.Stack({gz.Shelf({spin, ping}), out}):show()
