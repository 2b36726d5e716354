local gz = require("gizmo")
gz.Text("nothing here"):show()
