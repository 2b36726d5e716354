-- "Fail" raises a Lua error on every click; "Fail often" starts a timer that
-- fails five times a second. The tray must never cover "Fail", and the same
-- error again must count up, not stack.
local gz = require("gizmo")

local out = gz.Text("ready")
local fails = 0
local function fail()
    fails = fails + 1
    out:text("failed " .. fails)
    error("the same failure")
end

gz.Stack({
    gz.Shelf({
        gz.Button("Fail", {on_click = fail}),
        gz.Button("Fail often", {on_click = function()
            gz.every(0.2, function() error("a timer that fails") end)
        end}),
    }),
    out,
}):show()
