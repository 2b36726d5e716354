-- Escape class: pattern matching inside C. A handler that matches a
-- visitor's text against a visitor's pattern (item:find(query)): a pattern
-- of many `a*` over a long run of "a" backtracks for longer than the
-- universe has; no Lua instruction runs meanwhile, so the count hook alone
-- never sees it. Roads: find, match, gmatch, gsub (find also from a timer).
-- The page sends `text` and `query` with the click. The CPU limit must stop
-- each of them.
local gz = require("gizmo")
local page = require("_page")

local last = { text = "", query = "" } -- a timer's run uses the last click's text

local function visitor(event)
    if event.text then last.text, last.query = event.text, event.query end
    return last.text, last.query
end

page.show("Patterns on a visitor's text", {
    { "find", function(event)
        local item, query = visitor(event)
        return item:find(query)
    end, timer = true },
    { "match", function(event)
        local item, query = visitor(event)
        return item:match(query)
    end },
    { "gmatch", function(event)
        local item, query = visitor(event)
        for _ in item:gmatch(query) do end
    end },
    { "gsub", function(event)
        local item, query = visitor(event)
        return item:gsub(query, "")
    end },
})
