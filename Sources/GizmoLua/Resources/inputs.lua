-- Components with a value (Input, LabelledInput, Slider, RangeSlider,
-- CheckBoxes, RadioButtons, DropDownSelect), loaded on the first use of one
-- of them (see `gz_parts` in gizmo.lua), so a session that shows only
-- text and buttons does not hold them. `install` at the bottom defines them.

local type, tostring, tonumber, ipairs, pairs, error, rawset =
    type, tostring, tonumber, ipairs, pairs, error, rawset

---@param gz gz the module, to define the constructors in
---@param runtime table the runtime's modules (runtime.lua)
local function install(gz, runtime)
    local components = runtime.components
    local check_type, check_options, new_component, with_methods, set_prop, escape_html =
        components.check_type, components.check_options, components.new_component, components.with_methods,
        components.set_prop, components.escape_html

    -- Each constructor's own options (components.check_options).
    local input_options = { type = true, size = true, placeholder = true, on_change = true, on_enter = true }
    local slider_options = { minimum = true, maximum = true, step = true, value = true, on_change = true }
    local range_options = { minimum = true, maximum = true, step = true, values = true, on_change = true }
    local choice_options = { selected = true, on_change = true }

    --- A text field (gz.Input, gz.LabelledInput).
    ---@class gz.Input: gz.Component
    ---@field value string the text in the field, kept current as the person types
    local Input = {}

    --- Sets the value shown (and `c.value`); nil is "".
    ---@param value any
    ---@return self
    function Input:set_value(value)
        value = value == nil and "" or value
        rawset(self, "value", value)
        self._attrs.value = tostring(value)
        set_prop(self, "value", tostring(value))
        return self
    end

    local function input_track(convert)
        return { input = function(c, e)
            local value = convert(e and e.value)
            if value ~= nil then
                rawset(c, "value", value)
                c._attrs.value = tostring(value)
            end
        end }
    end

    local function text_value(v) return v == nil and nil or tostring(v) end

    --- A text field: `gz.Input("start", {on_change = fn, on_enter = fn})`.
    --- `on_change(value, event)` runs on every edit, `on_enter(value, event)` on Enter.
    ---@param value any the starting text
    ---@param opts? gz.InputOptions
    ---@return gz.Input
    function gz.Input(value, opts)
        local c = new_component("input", "gz-input", opts, "Input", 2, input_options)
        with_methods(c, Input, input_track(text_value))
        value = value == nil and "" or tostring(value)
        c.value = value
        c._attrs = { type = "text", value = value }
        if opts then
            if opts.type ~= nil then check_type(opts.type, "string", "Input", 2, false, 2); c._attrs.type = opts.type end
            if opts.size ~= nil then check_type(opts.size, "number", "Input", 2, false, 2); c._attrs.size = opts.size end
            if opts.placeholder ~= nil then c._attrs.placeholder = tostring(opts.placeholder) end
            check_type(opts.on_change, "function", "Input", 2, true, 2)
            check_type(opts.on_enter, "function", "Input", 2, true, 2)
            local on_change, on_enter = opts.on_change, opts.on_enter
            if on_enter then
                c:on("keydown", function(e)
                    if e.key ~= "Enter" then return end
                    -- The keydown carries the field's text; the `input` event
                    -- for the last keystroke may still be on its way.
                    if e.value ~= nil then c._track.input(c, e) end
                    return on_enter(c.value, e)
                end)
            end
            if on_change then
                c:on("input", function(e) return on_change(c.value, e) end)
                return c
            end
        end
        c:on("input", nil) -- keep `value` current even without a handler
        return c
    end

    ---@class gz.InputOptions: gz.Options
    ---@field type? string the input's type attribute (default "text")
    ---@field size? number its width in characters
    ---@field placeholder? any
    ---@field on_change? fun(value: string, event: gz.Event) runs on every edit
    ---@field on_enter? fun(value: string, event: gz.Event) runs on the Enter key

    ---@class gz.LabelledInput: gz.Input
    ---@field label_container gz.Component the label with the field: put this in the layout

    --- An Input with a label; put `.label_container` in a layout.
    ---@param label any
    ---@param value any
    ---@param opts? gz.InputOptions
    ---@return gz.LabelledInput
    function gz.LabelledInput(label, value, opts)
        -- Checked here so that a mistake names LabelledInput and the script's line.
        check_type(opts, "table", "LabelledInput", 3, true)
        if opts then check_options(opts, "LabelledInput", input_options, 2) end
        local c = gz.Input(value, opts)
        c.label_container = new_component("label", "gz-labelled", nil, "LabelledInput")
        c.label_container:add(gz.Text(label, { class = "gz-label" }))
        c.label_container:add(c)
        return c
    end

    local function number_value(v) return tonumber(v) end

    ---@class gz.SliderOptions: gz.Options
    ---@field minimum? number default 0
    ---@field maximum? number default 100
    ---@field step? number default: any value
    ---@field value? number default: the minimum; kept within minimum..maximum
    ---@field on_change? fun(value: number, event: gz.Event)

    ---@class gz.Slider: gz.Component
    ---@field value number kept current as the slider moves
    ---@field minimum number
    ---@field maximum number
    ---@field set_value fun(self: gz.Slider, value: number): gz.Slider moves the slider

    local function check_numbers(opts, fname, names)
        for _, name in ipairs(names) do
            if opts[name] ~= nil and type(opts[name]) ~= "number" then
                error(string.format("%s: option %s must be a number, not %s", fname, name, type(opts[name])), 3)
            end
        end
    end

    --- A slider: `gz.Slider{minimum = 0, maximum = 10, step = 0.1, value = 5, on_change = fn}`.
    --- `on_change(value, event)` runs as it moves (at most once per frame while dragging).
    ---@param opts? gz.SliderOptions
    ---@return gz.Slider
    function gz.Slider(opts)
        check_type(opts, "table", "Slider", 1, true)
        opts = opts or {}
        check_numbers(opts, "Slider", { "minimum", "maximum", "step", "value" })
        check_type(opts.on_change, "function", "Slider", 1, true, 2)
        local minimum, maximum = opts.minimum or 0, opts.maximum or 100
        if minimum > maximum then error("Slider: minimum is greater than maximum", 2) end
        local c = new_component("input", "gz-slider", opts, "Slider", 1, slider_options)
        with_methods(c, Input, input_track(number_value))
        local value = math.min(math.max(opts.value or minimum, minimum), maximum)
        c.value = value
        c.minimum, c.maximum = minimum, maximum
        c._attrs = { type = "range", min = minimum, max = maximum, step = opts.step or "any", value = tostring(value) }
        local on_change = opts.on_change
        c:on("input", on_change and function(e) return on_change(c.value, e) end or nil)
        return c
    end

    ---@class gz.RangeSliderOptions: gz.Options
    ---@field minimum? number default 0
    ---@field maximum? number default 100
    ---@field step? number
    ---@field values? number[] {low, high}; default {minimum, maximum}
    ---@field on_change? fun(value: number[], event: gz.Event) value is {low, high}

    ---@class gz.RangeSlider: gz.Component
    ---@field value number[] {low, high}, kept in order
    ---@field low gz.Slider
    ---@field high gz.Slider
    local RangeSlider = {}

    --- Sets both ends: `r:set_value{2, 8}`.
    ---@param values number[] {low, high}, in either order
    ---@return self
    function RangeSlider:set_value(values)
        check_type(values, "table", "set_value", 1)
        local low, high = tonumber(values[1]), tonumber(values[2])
        if not low or not high then error("set_value: argument #1 must be {low, high}", 2) end
        if low > high then low, high = high, low end
        rawset(self, "value", { low, high })
        self.low:set_value(low)
        self.high:set_value(high)
        return self
    end

    --- Two sliders for a range: `gz.RangeSlider{minimum = 0, maximum = 10, values = {2, 8}, on_change = fn}`;
    --- `value` is `{low, high}`, kept in order.
    ---@param opts? gz.RangeSliderOptions
    ---@return gz.RangeSlider
    function gz.RangeSlider(opts)
        check_type(opts, "table", "RangeSlider", 1, true)
        opts = opts or {}
        check_numbers(opts, "RangeSlider", { "minimum", "maximum", "step" })
        check_type(opts.values, "table", "RangeSlider", 1, true, 2)
        check_type(opts.on_change, "function", "RangeSlider", 1, true, 2)
        local minimum, maximum = opts.minimum or 0, opts.maximum or 100
        local values = opts.values or { minimum, maximum }
        local c = new_component("div", "gz-range-slider", opts, "RangeSlider", 1, range_options)
        with_methods(c, RangeSlider)
        local function moved(_, e)
            local low, high = c.low.value, c.high.value
            if low > high then low, high = high, low end
            rawset(c, "value", { low, high })
            if opts.on_change then return opts.on_change(c.value, e) end
        end
        c.low = gz.Slider({ minimum = minimum, maximum = maximum, step = opts.step, value = values[1], on_change = moved })
        c.high = gz.Slider({ minimum = minimum, maximum = maximum, step = opts.step, value = values[2], on_change = moved })
        c:add(c.low)
        c:add(c.high)
        rawset(c, "value", { math.min(c.low.value, c.high.value), math.max(c.low.value, c.high.value) })
        return c
    end

    --- A choice: a string or number (label and value), or a {label, value} pair.
    ---@alias gz.Choice string|number|[any, any]

    ---@class gz.ChoiceOptions: gz.Options
    ---@field selected? any the value chosen at the start (for CheckBoxes, a list of values)
    ---@field on_change? fun(value: any, event: gz.Event) value is the component's new value

    -- Choices: a list of strings, or of {label, value} pairs.
    local function choices_of(list, fname)
        if type(list) ~= "table" then
            error(string.format("%s: argument #1 must be a list of strings or {label, value} pairs, not %s",
                fname, type(list)), 3)
        end
        local out = {}
        for i, item in ipairs(list) do
            if type(item) == "table" then
                if item[1] == nil then error(string.format("%s: choice #%d has no label", fname, i), 3) end
                out[i] = { label = tostring(item[1]), value = item[2] == nil and item[1] or item[2] }
            elseif type(item) == "string" or type(item) == "number" then
                out[i] = { label = tostring(item), value = item }
            else
                error(string.format("%s: choice #%d must be a string or a {label, value} pair, not %s",
                    fname, i, type(item)), 3)
            end
        end
        return out
    end

    local function index_of(choices, value)
        for i, choice in ipairs(choices) do
            if choice.value == value then return i end
        end
        return nil
    end

    --- CheckBoxes and RadioButtons.
    ---@class gz.Chooser: gz.Component
    ---@field choices {label: string, value: any}[]
    local Chooser = {}

    local function chooser_html(c)
        local parts = {}
        for i, choice in ipairs(c.choices) do
            local checked = c._checked[i] and " checked" or ""
            parts[i] = string.format('<label class="gz-choice"><input type="%s" name="%s" value="%d"%s> %s</label>',
                c._kind, c._name, i, checked, escape_html(choice.label))
        end
        return table.concat(parts)
    end

    local function chooser_value(c)
        if c._kind == "radio" then
            for i in pairs(c._checked) do return c.choices[i].value end
            return nil
        end
        local values = {}
        for i, choice in ipairs(c.choices) do
            if c._checked[i] then values[#values + 1] = choice.value end
        end
        return values
    end

    --- Selects values: a list for CheckBoxes, one value for RadioButtons.
    ---@param value any
    ---@return self
    function Chooser:set_value(value)
        local checked = {}
        local list = self._kind == "radio" and { value } or value
        check_type(list, "table", "set_value", 1)
        for _, v in ipairs(list) do
            local i = index_of(self.choices, v)
            if not i then error("set_value: " .. tostring(v) .. " is not one of the choices", 2) end
            checked[i] = true
        end
        self._checked = checked
        rawset(self, "value", chooser_value(self))
        return self:html(chooser_html(self))
    end

    local function chooser(kind, fname)
        return function(list, opts)
            local choices = choices_of(list, fname)
            check_type(opts, "table", fname, 2, true, 2)
            local c = new_component("div", "gz-choices", opts, fname, 2, choice_options)
            with_methods(c, Chooser, { change = function(self, e)
                local i = tonumber(e and e.value)
                if not i or not self.choices[i] then return end
                if kind == "radio" then self._checked = {} end
                self._checked[i] = e.checked and true or nil
                rawset(self, "value", chooser_value(self))
                self._html = chooser_html(self) -- a re-render shows the same choice
            end })
            c.choices, c._kind, c._name, c._checked = choices, kind, "gz-choice-" .. c.id, {}
            local selected = opts and opts.selected
            if selected ~= nil then
                for _, v in ipairs(kind == "radio" and { selected } or selected) do
                    local i = index_of(choices, v)
                    if not i then error(fname .. ": selected value " .. tostring(v) .. " is not one of the choices", 2) end
                    c._checked[i] = true
                end
            end
            rawset(c, "value", chooser_value(c))
            c._html = chooser_html(c)
            local on_change = opts and opts.on_change
            check_type(on_change, "function", fname, 2, true, 2)
            c:on("change", on_change and function(e) return on_change(c.value, e) end or nil)
            return c
        end
    end

    --- Check boxes: `gz.CheckBoxes({"red", "green"}, {selected = {"red"}, on_change = fn})`;
    --- `value` is the list of checked values.
    ---@type fun(choices: gz.Choice[], opts?: gz.ChoiceOptions): gz.CheckBoxes
    gz.CheckBoxes = chooser("checkbox", "CheckBoxes")
    --- Radio buttons: `gz.RadioButtons({{"Small", 1}, {"Large", 2}}, {selected = 1, on_change = fn})`;
    --- `value` is the chosen value (nil when none).
    ---@type fun(choices: gz.Choice[], opts?: gz.ChoiceOptions): gz.RadioButtons
    gz.RadioButtons = chooser("radio", "RadioButtons")

    ---@class gz.CheckBoxes: gz.Chooser
    ---@field value any[] the checked values, in the order of the choices

    ---@class gz.RadioButtons: gz.Chooser
    ---@field value any the chosen value; nil when none

    ---@class gz.DropDownSelect: gz.Component
    ---@field choices {label: string, value: any}[]
    ---@field value any the chosen value
    local DropDown = {}

    --- Chooses the choice with this value.
    ---@param value any
    ---@return self
    function DropDown:set_value(value)
        local i = index_of(self.choices, value)
        if not i then error("set_value: " .. tostring(value) .. " is not one of the choices", 2) end
        rawset(self, "value", value)
        self._selected = i
        self._html = self:_options()
        set_prop(self, "value", tostring(i))
        return self
    end

    ---@private
    function DropDown:_options()
        local parts = {}
        for i, choice in ipairs(self.choices) do
            parts[i] = string.format('<option value="%d"%s>%s</option>', i,
                i == self._selected and " selected" or "", escape_html(choice.label))
        end
        return table.concat(parts)
    end

    --- A drop-down list: `gz.DropDownSelect({"a", "b"}, {selected = "b", on_change = fn})`;
    --- `value` is the chosen value.
    ---@param list gz.Choice[]
    ---@param opts? gz.ChoiceOptions
    ---@return gz.DropDownSelect
    function gz.DropDownSelect(list, opts)
        local choices = choices_of(list, "DropDownSelect")
        check_type(opts, "table", "DropDownSelect", 2, true, 2)
        local c = new_component("select", "gz-select", opts, "DropDownSelect", 2, choice_options)
        with_methods(c, DropDown, { change = function(self, e)
            local i = tonumber(e and e.value)
            if not i or not self.choices[i] then return end
            self._selected = i
            rawset(self, "value", self.choices[i].value)
            self._html = self:_options()
        end })
        c.choices = choices
        local selected = opts and opts.selected
        c._selected = 1
        if selected ~= nil then
            c._selected = index_of(choices, selected)
            if not c._selected then error("DropDownSelect: selected value " .. tostring(selected) .. " is not one of the choices", 2) end
        end
        rawset(c, "value", choices[c._selected] and choices[c._selected].value)
        c._html = c:_options()
        local on_change = opts and opts.on_change
        check_type(on_change, "function", "DropDownSelect", 2, true, 2)
        c:on("change", on_change and function(e) return on_change(c.value, e) end or nil)
        return c
    end
end

-- gizmo.lua's loader calls this chunk, then the function it returns with (gz, runtime).
return install
