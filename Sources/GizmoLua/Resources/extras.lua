-- Less common pieces of the library, loaded on the first use of one of
-- them (see `gz_parts` in gizmo.lua), so a session that does not use
-- them does not hold their code: timers (gz.after, gz.every), ClickableText,
-- and the component methods remove_class, resize, attach_children, empty and
-- focus. `install` at the bottom defines them.

local type, tostring, ipairs, error, setmetatable = type, tostring, ipairs, error, setmetatable
local remove = table.remove

---@param gz gz the module, to define the functions in
---@param runtime table the runtime's modules (runtime.lua)
local function install(gz, runtime)
    local components, scheduler = runtime.components, runtime.scheduler
    ---@class gz.Component
    local Component = components.Component
    local check_type, new_component, update, emit, as_component, detach, clear_content, own_kids,
        mounted, node_of, array, check_placement =
        components.check_type, components.new_component, components.update, runtime.page.emit,
        components.as_component, components.detach, components.clear_content, components.own_kids,
        components.mounted, components.node_of, components.array, components.check_placement

    --- What gz.after and gz.every return.
    ---@class gz.Timer
    local Timer = runtime.sandbox.protect({})
    Timer.__index = Timer
    -- A handle's timer, kept where the script cannot reach it.
    local timer_of = setmetatable({}, { __mode = "k" })

    --- Stops the timer; a timer that already ran or was cancelled ignores it.
    function Timer:cancel()
        local timer = timer_of[self]
        if timer then scheduler.cancel_timer(timer) end
    end

    local function start_timer(seconds, fn, every, name)
        scheduler.check_seconds(seconds, name, 1, 4)
        if type(fn) ~= "function" then error(name .. ": argument #2 must be a function", 3) end
        if every and seconds < 0.001 then error(name .. ": the interval must be at least 0.001 s", 3) end
        local handle = setmetatable({}, Timer)
        timer_of[handle] = scheduler.start_timer(seconds, fn, every, 4)
        return handle
    end

    --- Calls fn once after `seconds`.
    ---@param seconds number
    ---@param fn fun()
    ---@return gz.Timer handle with :cancel()
    function gz.after(seconds, fn)
        local handle = start_timer(seconds, fn, false, "gz.after") -- not a tail call: errors count its frame
        return handle
    end

    --- Calls fn every `seconds` (at least 0.001) until the handle is cancelled.
    ---@param seconds number
    ---@param fn fun()
    ---@return gz.Timer handle with :cancel()
    function gz.every(seconds, fn)
        local handle = start_timer(seconds, fn, true, "gz.every")
        return handle
    end

    --- Removes a CSS class.
    ---@generic C: gz.Component
    ---@param self C
    ---@param class string
    ---@return C self
    function Component:remove_class(class)
        check_type(class, "string", "remove_class", 1)
        local cls = self._cls
        if cls == class then
            self._cls = false
            update(self, { op = "class", id = self.id, remove = class })
        elseif type(cls) == "table" then
            for i, existing in ipairs(cls) do
                if existing == class then
                    remove(cls, i)
                    update(self, { op = "class", id = self.id, remove = class })
                    break
                end
            end
        end
        return self
    end

    --- Sets width and/or height; numbers are pixels, strings pass through (`"50%"`).
    ---@generic C: gz.Component
    ---@param self C
    ---@param size {width?: number|string, height?: number|string}
    ---@return C self
    function Component:resize(size)
        check_type(size, "table", "resize", 1)
        local css = {}
        for _, key in ipairs({ "width", "height" }) do
            local v = size[key]
            if v ~= nil then css[key] = type(v) == "number" and (v .. "px") or tostring(v) end
        end
        return self:css(css)
    end

    --- Replaces all children.
    ---@generic C: gz.Component
    ---@param self C
    ---@param children gz.Child[]
    ---@return C self
    function Component:attach_children(children)
        check_type(children, "table", "attach_children", 1)
        local list = {}
        for i, child in ipairs(children) do
            list[i] = as_component(child, "attach_children", 1, "Stack")
            check_placement(self, list[i], "attach_children", 2)
        end
        clear_content(self)
        for i, child in ipairs(list) do
            detach(child)
            child._parent = self
            own_kids(self)[i] = child
        end
        if mounted(self) then
            local nodes = array()
            for i, child in ipairs(list) do nodes[i] = node_of(child) end
            emit({ op = "kids", id = self.id, nodes = nodes })
        end
        return self
    end

    --- Removes all content and children.
    ---@generic C: gz.Component
    ---@param self C
    ---@return C self
    function Component:empty()
        return self:attach_children({})
    end

    --- Focuses the element.
    ---@generic C: gz.Component
    ---@param self C
    ---@return C self
    function Component:focus()
        update(self, { op = "focus", id = self.id })
        return self
    end

    -- Its own options (components.check_options).
    local clickable_options = { on_click = true, color = true }
    --- Text that looks and acts like a link: `gz.ClickableText("more", {on_click = fn})`.
    ---@param text any
    ---@param opts? gz.ClickableTextOptions
    ---@return gz.Component
    function gz.ClickableText(text, opts)
        local c = new_component("span", "gz-clickable", opts, "ClickableText", 2, clickable_options)
        c._text = text == nil and "" or tostring(text)
        c._attrs = { role = "button", tabindex = "0" }
        if opts then
            check_type(opts.on_click, "function", "ClickableText", 2, true, 2)
            if opts.on_click then c:set_on_click(opts.on_click) end
            if opts.color ~= nil then c:css({ color = opts.color }) end
        end
        return c
    end

    ---@class gz.ClickableTextOptions: gz.Options
    ---@field on_click? fun(event: gz.Event) runs on each click
    ---@field color? string its CSS colour
end

-- gizmo.lua's loader calls this chunk, then the function it returns with (gz, runtime).
return install
