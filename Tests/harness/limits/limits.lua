-- A fixture: shows the store's "note" key.
local gz = require("gizmo")
local note = gz.Text("no note")
gz.store.watch("note", function(v) note:text(v or "no note") end)
note:show()
