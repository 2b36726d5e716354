-- One number in the module's store that every page adds to: each click of
-- "Add one" is a gz.store.update of "n". This page counts its own clicks
-- once their update has returned ("done N"), and shows the total as its
-- watch hears it ("total N"), whichever replica made the change.
local gz = require("gizmo")

local mine = 0
local done = gz.Text("done 0")
local total = gz.Text("total -")

local add = gz.Button("Add one", { on_click = function()
    gz.store.update("n", function(n) return (n or 0) + 1 end)
    mine = mine + 1
    done:text("done " .. mine)
end })

gz.store.watch("n", function(n)
    total:text("total " .. tostring(n or 0))
end)

gz.Stack({ add, done, total }):show()
