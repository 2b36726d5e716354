-- A fixture: a timer of no delay that sets itself again, forever.
local gz = require("gizmo")
local function again() gz.after(0, again) end
again()
gz.Text("spins"):show()
