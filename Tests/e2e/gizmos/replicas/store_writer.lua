-- Writes that a test numbers: each click of "Write" carries a number (the
-- click's field `n`), appends it to the list "writes" and, once the append
-- has returned, shows "acked N". A write the store cannot make raises, and
-- the page shows the error. The list's watch shows the last number written
-- by any page on any replica ("last N").
local gz = require("gizmo")

local acked = gz.Text("acked -")
local last = gz.Text("last -")

local write = gz.Button("Write", { on_click = function(event)
    local n = math.tointeger(event.n)
    gz.store.append("writes", n, { keep = 100000 })
    acked:text("acked " .. n)
end })

gz.store.watch("writes", function(value, change)
    if change.kind == "append" then
        last:text("last " .. tostring(value))
    else -- the whole list: the first call, or a catch-up after a gap
        last:text("last " .. tostring(value and value[#value] or "-"))
    end
end)

gz.Stack({ write, acked, last }):show()
