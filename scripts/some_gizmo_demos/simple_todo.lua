-- A to-do list. Add an item with the button or the Enter key; click a pending
-- item to mark it done, and a done item to delete it. The list is saved in the
-- module's data folder and is there again after a restart.
local gz = require("gizmo")

local store = gz.data_path("simple_todo.json")

---@type {text: string, done: boolean}[]
local items = {}
local saved = gz.read_file(store)
if saved then
    local ok, list = pcall(gz.json.decode, saved)
    if ok and type(list) == "table" then items = list end
end

local function save()
    gz.write_file(store, gz.json.encode(gz.json.array(items)))
end

local pending_list = gz.Stack({}, { class = "todo-list" })
local done_list = gz.Stack({}, { class = "todo-list" })
local status = gz.Text("", { class = "todo-status" })
local columns = gz.Template([[
<div class="todo-columns">
  <section><h2>Pending</h2><div class="pending"></div></section>
  <section><h2>Done</h2><div class="done"></div></section>
</div>]])
columns:put(pending_list, "pending"):put(done_list, "done")

local redraw

local function advance(item)
    if item.done then
        for i, other in ipairs(items) do
            if other == item then table.remove(items, i) break end
        end
        status:text("Deleted: " .. item.text)
    else
        item.done = true
        status:text("Done: " .. item.text)
    end
    save()
    redraw()
end

function redraw()
    local pending, done = {}, {}
    for _, item in ipairs(items) do
        local entry = gz.ClickableText(item.text, {
            on_click = function() advance(item) end,
            class = item.done and "todo-done" or "todo-pending",
        })
        table.insert(item.done and done or pending, entry)
    end
    pending_list:attach_children(pending)
    done_list:attach_children(done)
    columns:set_title(string.format("%d pending, %d done", #pending, #done))
end

local entry
local function add()
    local text = entry.value:match("^%s*(.-)%s*$")
    if text == "" then
        status:text("Type something to do first.")
        return
    end
    items[#items + 1] = { text = text, done = false }
    save()
    entry:set_value("")
    entry:focus()
    status:text("Added: " .. text)
    redraw()
end

entry = gz.Input("", { placeholder = "Something to do", on_enter = add })
redraw()
status:text(#items == 0 and "Nothing to do yet." or string.format("%d items loaded.", #items))

columns:css_file("simple_todo.css")
gz.Stack({
    gz.Html("<h1>To do</h1>"),
    gz.Shelf({ entry, gz.Button("Add", { on_click = add }) }),
    columns,
    status,
}):show()
