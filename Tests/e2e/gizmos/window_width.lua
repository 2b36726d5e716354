-- gz.get yields until the page answers with window.innerWidth.
local gz = require("gizmo")

local out = gz.Text("not measured")
local measure = gz.Button("Measure", {on_click = function()
    local w = gz.get(gz.window.innerWidth)
    out:text(type(w) .. " " .. w)
end})
gz.Stack({gz.Html("<h2>Window width</h2>"), measure, out}):show()
