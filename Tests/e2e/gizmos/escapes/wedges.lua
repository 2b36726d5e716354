-- Escape class: wedges. A command that cannot be encoded (a proxy 500
-- levels deep sent to the page, js_init arguments as deep, a component
-- tree 500 deep added to the page, a table 500 deep) once stayed in the
-- turn's queue, or in the component, so that every later turn and render
-- failed too. Each road must fail alone: afterwards a click and a render
-- work (the test checks both).
local gz = require("gizmo")
local page = require("_page")

local function deep_proxy()
    local p = gz.window
    for _ = 1, 500 do p = p.x end
    return p
end

local function deep_table()
    local t = {}
    for _ = 1, 500 do t = { t } end
    return t
end

page.show("Wedges", {
    { "send", function() gz.send(deep_proxy()) end },
    { "send table", function() gz.send(gz.window.console.log(deep_table())) end },
    { "js_init", function(_, p) p.victim:js_init("void 0", { deep = deep_proxy() }) end },
    { "tree", function(_, p)
        local top = gz.Stack({})
        local at = top
        for _ = 1, 500 do
            local kid = gz.Stack({})
            at:add(kid)
            at = kid
        end
        p.status:add(top)
    end },
})
