-- Escape class: JSON encoding of a large shared graph. Sixty levels of
-- `t = {t, t}` is a small table that encodes to 2^60 leaves; a level that
-- also holds many functions (left out of the JSON) makes each visited node
-- slow to encode but its output short, so only time, not memory, stops it.
-- Roads: gz.json.encode of each; the graph in a component's attributes, so
-- the runtime's own encoder meets it in the next render; gz.send of a
-- graph (the proxies copy it in Lua). Each must end within the CPU limit or
-- the memory budget, and the session must go on.
local gz = require("gizmo")
local page = require("_page")
local graph = require("_graph")

page.show("JSON of a shared graph", {
    { "encode", function() return gz.json.encode(graph(60, 0)) end },
    { "encode slowly", function() return gz.json.encode(graph(60, 500)) end, timer = true },
    { "render", function(_, p) rawset(p.victim, "_attrs", { type = "button", graph = graph(60, 500) }) end,
      paths = true },
    { "send", function() gz.send(gz.window.console.log(graph(30, 0))) end },
})
