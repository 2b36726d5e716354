-- Template:put with a class the template's HTML does not have, in the main
-- code: `gizmolua run` must fail with one line naming this line and the class.
local gz = require("gizmo")

local template = gz.Template('<div class="columns"><div class="left"></div><div class="right"></div></div>')
template:put(gz.Text("lost"), "middle")
template:show()
