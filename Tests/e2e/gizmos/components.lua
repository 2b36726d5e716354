-- Every component with a value, each wired to a Text that reports what the
-- Lua side sees, so test_components.py can drive the page as a person would
-- and read the result. The texts start as "<name>: -" (nothing reported yet).
local gz = require("gizmo")

-- Input: on_change on every edit, on_enter on Enter.
local input_out = gz.Text("input: -")
local enter_out = gz.Text("enter: -")
local input = gz.Input("start", {
    on_change = function(value) input_out:text("input: " .. value) end,
    on_enter = function(value) enter_out:text("enter: " .. value) end,
})
input:add_class("test-input")

-- LabelledInput: the label and the field live in .label_container.
local labelled_out = gz.Text("labelled: -")
local labelled = gz.LabelledInput("Your name", "Ann", {
    on_change = function(value) labelled_out:text("labelled: " .. value) end,
})
labelled:add_class("test-labelled")

-- Slider, and a button that sets it from Lua.
local slider_out = gz.Text("slider: -")
local slider = gz.Slider({
    minimum = 0, maximum = 10, step = 1, value = 3,
    on_change = function(value) slider_out:text("slider: " .. value) end,
})
slider:add_class("test-slider")
local set_slider = gz.Button("Set slider to 7", { on_click = function()
    slider:set_value(7)
    slider_out:text("slider set: " .. slider.value)
end })

-- RangeSlider: two sliders, the value kept in order.
local range_out = gz.Text("range: -")
local range = gz.RangeSlider({
    minimum = 0, maximum = 10, step = 1, values = { 2, 8 },
    on_change = function(value) range_out:text("range: " .. value[1] .. "-" .. value[2]) end,
})
range:add_class("test-range")

-- CheckBoxes, RadioButtons, DropDownSelect.
local checks_out = gz.Text("checks: -")
local checks = gz.CheckBoxes({ "red", "green", "blue" }, {
    selected = { "red" },
    on_change = function(value) checks_out:text("checks: " .. table.concat(value, ",")) end,
})
checks:add_class("test-checks")

local radio_out = gz.Text("radio: -")
local radios = gz.RadioButtons({ { "Small", 1 }, { "Large", 2 } }, {
    on_change = function(value) radio_out:text("radio: " .. tostring(value)) end,
})
radios:add_class("test-radios")

local select_out = gz.Text("select: -")
local dropdown = gz.DropDownSelect({ "a", "b", "c" }, {
    selected = "b",
    on_change = function(value) select_out:text("select: " .. value) end,
})
dropdown:add_class("test-select")

-- The values as Lua holds them right now (not only what the handlers saw).
local values_out = gz.Text("values: -")
local show_values = gz.Button("Show values", { on_click = function()
    values_out:text(string.format("values: input=%s labelled=%s slider=%s range=%s-%s checks=%s radio=%s select=%s",
        input.value, labelled.value, slider.value, range.value[1], range.value[2],
        table.concat(checks.value, ","), tostring(radios.value), dropdown.value))
end })

-- ClickableText.
local clickable_out = gz.Text("clickable: -")
local clicks = 0
local clickable = gz.ClickableText("click this text", { on_click = function()
    clicks = clicks + 1
    clickable_out:text("clickable: " .. clicks)
end })
clickable:add_class("test-clickable")

-- Template with two slots, filled at the start and one more later.
local template = gz.Template([[
<div class="test-template"><div class="slot-left"></div><div class="slot-right"></div></div>]])
template:put(gz.Text("left content"), "slot-left"):put(gz.Text("right content"), "slot-right")
local fill = gz.Button("Fill right", { on_click = function()
    template:put(gz.Text("more right content"), "slot-right")
end })

-- Image from bytes (a 1x1 red PNG), replaced by a 3x2 blue PNG.
local PNG_1x1 = "\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x01\x00\x00\x00\x01"
    .. "\x08\x02\x00\x00\x00\x90\x77\x53\xde\x00\x00\x00\x0c\x49\x44\x41\x54\x78\xda\x63\xf8\xcf\xc0\x00"
    .. "\x00\x03\x01\x01\x00\xf7\x03\x41\x43\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82"
local PNG_3x2 = "\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x03\x00\x00\x00\x02"
    .. "\x08\x02\x00\x00\x00\x12\x16\xf1\x4d\x00\x00\x00\x0f\x49\x44\x41\x54\x78\xda\x63\x60\x60\xf8\x0f"
    .. "\x43\x30\x16\x00\x35\xde\x05\xfb\x5b\xed\xdc\xd9\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82"
local image_out = gz.Text("image: first")
local image = gz.Image({ bytes = PNG_1x1, mime = "image/png", alt = "a test image", class = "test-image" })
local replace = gz.Button("Replace image", { on_click = function()
    image:set_content({ bytes = PNG_3x2, mime = "image/png" })
    image_out:text("image: replaced")
end })

-- js_init: runs with `element` and a Lua function bound by name.
local js_out = gz.Text("js: -")
local js_target = gz.Text("js target", { class = "test-js" })
js_target:js_init('element.dataset.ready = "yes"; hello();', {
    hello = function() js_out:text("js said hi") end,
})

-- A JavaScript exception in gz.get becomes a Lua error with the page's message.
local error_out = gz.Text("error: -", { class = "test-error-out" })
local call_missing = gz.Button("Call missing", { on_click = function()
    local ok, err = pcall(gz.get, gz.window.noSuchFunction())
    error_out:text(ok and "error: none" or tostring(err))
end })

gz.Stack({
    gz.Html("<h2>Components</h2>"),
    { input, input_out, enter_out },
    { labelled.label_container, labelled_out },
    { slider, set_slider, slider_out },
    { range, range_out },
    { checks, checks_out },
    { radios, radio_out },
    { dropdown, select_out },
    { show_values, values_out },
    { clickable, clickable_out },
    { template, fill },
    { image, replace, image_out },
    { js_target, js_out },
    { call_missing, error_out },
}):show()
