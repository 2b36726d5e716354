-- A Button that updates a Text: "clicked 1", "clicked 2", ...
local gz = require("gizmo")

local out = gz.Text("waiting")
local n = 0
local b = gz.Button("Click me", {on_click = function()
    n = n + 1
    out:text("clicked " .. n)
end})
gz.Stack({b, out}):show()
