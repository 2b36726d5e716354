-- The page bridge: a script (js_file), a style sheet (css_file) and a plain
-- file (add_content), all from this folder, served beside the child page.
local gz = require("gizmo")

local sum_out = gz.Text("sum: -")
local add = gz.Button("Add 2 and 3", { on_click = function()
    sum_out:text(tostring(gz.get(gz.window.helperAdd(2, 3))))
end })
local styled = gz.Text("styled by style.css", { class = "bridge-styled" })

local page = gz.Stack({ gz.Html("<h2>Bridge</h2>"), styled, add, sum_out })
page:js_file("helper.js")
page:css_file("style.css")
local data_url = page:add_content("data.txt", "text/plain")
page:add(gz.Text(data_url, { class = "bridge-data-url" }))
page:show()
