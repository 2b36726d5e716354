-- A counter whose value lives in the session, so a reload shows it again.
local gz = require("gizmo")

local count = 0
local out = gz.Text("count 0")
local inc = gz.Button("Increment", {on_click = function()
    count = count + 1
    out:text("count " .. count)
end})
gz.Stack({"A counter", inc, out}):show()
