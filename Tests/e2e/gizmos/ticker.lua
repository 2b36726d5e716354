-- "Start" appends a line "tick N" every 50 ms (frames keep coming while a
-- socket is cut); "Click me" counts clicks: a page that resumes must show
-- every tick once, in order, and every click made while it was away once.
local gz = require("gizmo")

local out = gz.Text("clicked 0")
local ticks = gz.Stack({})
local clicks, n = 0, 0
local ticking

local start = gz.Button("Start", {on_click = function()
    if ticking then return end
    ticking = gz.every(0.05, function()
        n = n + 1
        ticks:add(gz.Text("tick " .. n, {class = "tick"}))
    end)
end})
local stop = gz.Button("Stop", {on_click = function()
    if ticking then ticking:cancel() end
    ticking = nil
    out:text("stopped at " .. n .. ", clicked " .. clicks)
end})
local click = gz.Button("Click me", {on_click = function()
    clicks = clicks + 1
    out:text("clicked " .. clicks)
end})

gz.Stack({gz.Shelf({start, stop, click}), out, ticks}):show()
