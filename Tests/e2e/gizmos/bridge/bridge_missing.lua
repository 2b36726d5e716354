-- js_file of a file that is not in this folder: `gizmolua run` must fail at
-- this call with one line naming the script line, js_file and nope.js.
local gz = require("gizmo")

local page = gz.Stack({ "never shown" })
page:js_file("nope.js")
page:show()
