-- Escape class: JSON encoding across a hot reload. gz.session is encoded
-- by the runtime when the script's file changes, to carry it into the next
-- run; "attack" puts a shared graph in it that is slow to encode (see
-- json_graph.lua), and the test then changes this file. The reload must
-- happen (with or without the session kept) or be stopped by the CPU limit;
-- the session must go on.
local gz = require("gizmo")
local page = require("_page")
local graph = require("_graph")

local p = page.show("gz.session across a reload", {
    { "", function() gz.session.graph = graph(60, 500) end },
})
p.out:text(gz.session.graph and "a session was kept" or "a fresh session")
