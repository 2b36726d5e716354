-- simple_todo: adding, finishing and deleting items, shared live by two windows.
local t = require("gizmo.test")

local function add(page, text)
    page:find{ placeholder = "Something to do" }:type(text)
    page:find{ role = "button", text = "Add" }:click()
end

t.test("an empty list says so, and an empty item is refused", function()
    local page = t.open("simple_todo.lua")
    t.expect(page:text()):contains("Nothing to do yet.")
    page:find{ role = "button", text = "Add" }:click()
    t.expect(page:text()):contains("Type something to do first.")
end)

t.test("an item goes from pending to done to deleted", function()
    local page = t.open("simple_todo.lua")
    add(page, "buy milk")
    t.expect(page:text()):contains("Added: buy milk")
    t.expect(page:find{ placeholder = "Something to do" }:value()):equals("")
    page:find{ text = "buy milk" }:click()
    t.expect(page:text()):contains("Done: buy milk")
    t.expect(t.store("some_gizmo_demos", "todo").items[1].done):is_true()
    t.expect(page:find_all{ role = "button", text = "buy milk" }):has_length(1)
    page:find{ text = "buy milk" }:click()
    t.expect(page:text()):contains("Deleted: buy milk")
    t.expect(t.store("some_gizmo_demos", "todo").items):has_length(0)
    t.expect(page:find_all{ role = "button", text = "buy milk" }):has_length(0)
end)

t.test("two windows share one list", function()
    local mine = t.open("simple_todo.lua")
    local theirs = t.open("simple_todo.lua")
    add(mine, "call the lab")
    add(theirs, "book the room")
    t.expect(mine:text()):contains("book the room")
    t.expect(theirs:text()):contains("call the lab")
    theirs:find{ text = "call the lab" }:click()
    t.expect(t.store("some_gizmo_demos", "todo").items[1].done):is_true()
end)

t.test("the list is there for a new window", function()
    local page = t.open("simple_todo.lua", { store = {
        todo = { next_id = 3, items = { { id = 1, text = "old one", done = false }, { id = 2, text = "older", done = true } } },
    } })
    t.expect(page:text()):contains("2 items loaded.")
    t.expect(page:text()):contains("old one")
end)
