-- A to-do list. Add an item with the button or the Enter key; click a pending
-- item to mark it done, and a done item to delete it. The list is kept in the
-- module's store (gz.store), so it is there again after a restart, and every
-- open window shows the same list: what one person changes, the others see
-- at once.
local gz = require("gizmo")

-- The whole list is the value of one key: { next_id = n, items = { {id=, text=, done=}, ... } }.
-- Items are named by id, not by position, since another window may add or
-- delete items between a redraw and a click.
local KEY = "todo"

local pending_list = gz.Stack({}, { class = "todo-list" })
local done_list = gz.Stack({}, { class = "todo-list" })
local status = gz.Text("", { class = "todo-status" })
local columns = gz.Template([[
<div class="todo-columns">
  <section><h2>Pending</h2><div class="pending"></div></section>
  <section><h2>Done</h2><div class="done"></div></section>
</div>]])
columns:put(pending_list, "pending"):put(done_list, "done")

-- Every change goes through gz.store.update: when another window changed the
-- list in between, the function runs again on the newer list, so no change
-- is lost. It only computes; `outcome` is set anew on each run, and the last
-- run is the one that was kept.
local function change(fn)
    local outcome
    gz.store.update(KEY, function(todo)
        todo = todo or { next_id = 1, items = {} }
        outcome = fn(todo)
        todo.items = gz.json.array(todo.items)
        return todo
    end)
    return outcome
end

local function advance(id)
    local message = change(function(todo)
        for i, item in ipairs(todo.items) do
            if item.id == id then
                if item.done then
                    table.remove(todo.items, i)
                    return "Deleted: " .. item.text
                end
                item.done = true
                return "Done: " .. item.text
            end
        end
        return "Someone else has just deleted that item."
    end)
    status:text(message)
end

-- Draws the list; called by the watch below with each new value of the key,
-- whoever changed it.
local function redraw(todo)
    local pending, done = {}, {}
    for _, item in ipairs(todo and todo.items or {}) do
        local id = item.id
        local entry = gz.ClickableText(item.text, {
            on_click = function() advance(id) end,
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
    change(function(todo)
        todo.items[#todo.items + 1] = { id = todo.next_id, text = text, done = false }
        todo.next_id = todo.next_id + 1
    end)
    entry:set_value("")
    entry:focus()
    status:text("Added: " .. text)
end

entry = gz.Input("", { placeholder = "Something to do", on_enter = add })

gz.store.watch(KEY, function(todo, what)
    redraw(todo)
    if what.kind == "current" then
        local count = todo and #todo.items or 0
        status:text(count == 0 and "Nothing to do yet." or string.format("%d items loaded.", count))
    end
end)

columns:css_file("simple_todo.css")
gz.Stack({
    gz.Html("<h1>To do</h1>"),
    gz.Shelf({ entry, gz.Button("Add", { on_click = add }) }),
    columns,
    status,
}):show()
