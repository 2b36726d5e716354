-- Live-data components for the browser tests: a Progress, a Log that keeps
-- 20 lines, and a Plot whose series grows by ten points a click.
local gz = require("gizmo")

local bar = gz.Progress{value = 3, maximum = 10, label = "Done"}
local log = gz.Log{keep = 20}
local plot = gz.Plot{title = "growing", max_points = 25}
local lines, points = 0, 0
local clicks = gz.Text("clicks 0")
local n = 0

local function note()
    n = n + 1
    clicks:text("clicks " .. n)
end

local function add_lines(count)
    for _ = 1, count do
        lines = lines + 1
        log:append("line " .. lines)
    end
    note()
end

gz.Stack({
    bar, log, plot, clicks,
    {
        gz.Button("Advance", {on_click = function() bar:set_value(bar.value + 1); note() end}),
        gz.Button("Burst", {on_click = function() add_lines(100) end}),
        gz.Button("Lines", {on_click = function() add_lines(5) end}),
        gz.Button("Points", {on_click = function()
            local xs, ys = {}, {}
            for i = 1, 10 do
                points = points + 1
                xs[i], ys[i] = points, math.sin(points / 3)
            end
            plot:append("wave", xs, ys)
            note()
        end}),
    },
}):show()
