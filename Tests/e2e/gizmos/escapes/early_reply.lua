-- Escape class: a reply before hello. The main code asks the page for a
-- value (gz.get) before any page exists; a page that sends a `reply` for
-- it before its `hello` once consumed the request and stranded the main
-- code for good. After hello the main code must go on ("main went on"),
-- answered by the page or by its timeout.
local gz = require("gizmo")
local page = require("_page")

local p = page.show("A reply before hello", {})
local ok, width = pcall(gz.get, gz.window.innerWidth, { timeout = 3 })
p.status:text("main went on: " .. (ok and tostring(width) or "no answer"))
