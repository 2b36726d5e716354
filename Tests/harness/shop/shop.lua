-- A fixture of the harness's own tests (Tests/harness): inputs of every
-- kind, the store shared with a second viewer, timers, gz.get and a program.
local gz = require("gizmo")

local items = gz.Text("no items")
local orders = gz.Text("0 orders")
local name = gz.Input("", { placeholder = "Item name" })
local status = gz.Text("idle")
local log = gz.Log{ keep = 10 }
local done = gz.Progress{ value = 0, maximum = 3, label = "Work" }
local hidden = gz.Text("a secret")
hidden:css{ display = "none" }

gz.store.watch("items", function(list)
    items:text((list and #list > 0) and table.concat(list, ", ") or "no items")
end)
gz.store.watch("order_count", function(n) orders:text(("%d orders"):format(n or 0)) end)

local later = gz.Button("Later", { enabled = false })

gz.Stack({
    gz.Html("<h2>Shop</h2>"),
    items, orders, name,
    gz.Button("Add", { on_click = function()
        if name.value == "" then error("an item needs a name") end
        gz.store.update("items", function(list)
            list = list or {}
            list[#list + 1] = name.value
            return list
        end)
    end }),
    gz.LabelledInput("Note", "", { on_change = function(v) status:text("note " .. v) end }).label_container,
    gz.Slider{ minimum = 0, maximum = 10, step = 1, value = 5, on_change = function(v) status:text("size " .. v) end },
    gz.DropDownSelect({ "red", "green" }, { on_change = function(v) status:text("colour " .. v) end }),
    gz.RadioButtons({ { "Small", "s" }, { "Large", "l" } }, { on_change = function(v) status:text("pick " .. tostring(v)) end }),
    gz.CheckBoxes({ "gift wrap" }, { on_change = function(v) status:text("extras " .. #v) end }),
    gz.Button("Count down", { on_click = function()
        for i = 3, 1, -1 do
            status:text(tostring(i))
            gz.sleep(1)
        end
        status:text("go")
    end }),
    gz.Button("Measure", { on_click = function()
        status:text("width " .. tostring(gz.get(gz.window.innerWidth, { timeout = 2 })))
    end }),
    gz.Button("Work", { on_click = function()
        gz.spawn({ "worker", "--fast" }, {
            on_line = function(line)
                log:append(line)
                done:set_value(done.value + 1)
            end,
            on_exit = function(code) status:text("worker ended " .. tostring(code)) end,
        })
    end }),
    status, done, log, later, hidden,
}):show()
