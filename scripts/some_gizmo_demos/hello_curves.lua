-- Curves drawn live: move the sliders a and b to redraw the curve
-- x = sin(a t), y = cos(b t) for 300 values of t. The title shows a and b,
-- and a counter shows how many times the plot was drawn.
local gz = require("gizmo")

local STEPS = 300
local plot = gz.Plot({ width = 480, height = 400, xlabel = "x = sin(a t)", ylabel = "y = cos(b t)" })
local draws = gz.Text("")
local count = 0

local a_slider, b_slider

local function redraw()
    local a, b = a_slider.value, b_slider.value
    local xs, ys = {}, {}
    for i = 1, STEPS do
        local t = (i - 1) * 2 * math.pi / (STEPS - 1)
        xs[i], ys[i] = math.sin(a * t), math.cos(b * t)
    end
    count = count + 1
    plot:clear():line(xs, ys):title(string.format("a = %.1f, b = %.1f", a, b))
    draws:text(string.format("drawn %d times", count))
end

a_slider = gz.Slider({ minimum = 1, maximum = 10, step = 0.1, value = 3, on_change = redraw })
b_slider = gz.Slider({ minimum = 1, maximum = 10, step = 0.1, value = 2, on_change = redraw })
redraw()

gz.Stack({
    gz.Html("<h1>Hello curves</h1>"),
    gz.Shelf({ "a", a_slider }),
    gz.Shelf({ "b", b_slider }),
    plot,
    draws,
}):show()
