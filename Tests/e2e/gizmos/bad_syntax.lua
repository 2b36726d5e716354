-- Deliberately broken: the test expects "bad_syntax.lua:4:" on stderr.
local gz = require("gizmo")

local broken = = 1
gz.Text("never shown"):show()
