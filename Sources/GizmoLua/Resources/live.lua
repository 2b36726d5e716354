-- Components for live data: Progress (a bar with its percentage) and Log (a
-- scrolling view of the last lines). Loaded on the first use of one of them
-- (see `gz_parts` in gizmo.lua); `install` at the bottom defines them.
--
-- A log's lines travel once: each turn that appends sends only its new
-- lines, numbered, in one `log` command at the end of the turn; a page that
-- joins gets the kept lines in the render (the NODE's `live` field). The
-- numbers let a page skip lines it already has (a render and an append in
-- the same turn carry the same lines).

local format, find, sub, floor = string.format, string.find, string.sub, math.floor
local type, tostring, error, rawget, rawset, math_type = type, tostring, error, rawget, rawset, math.type
local move = table.move

local HUGE = math.huge
local DEFAULT_KEEP, MAX_KEEP = 1000, 100000

---@class gz.ProgressOptions: gz.Options
---@field value? number where it stands (default 0); `set_value(nil)` later shows a bar that only says "busy"
---@field maximum? number where it ends (default 100)
---@field label? any what it measures, read before the percentage ("Training 42%")

---@class gz.LogOptions: gz.Options
---@field keep? integer the lines it keeps, the oldest dropped first (default 1000, at most 100,000)

--- Defines gz.Progress and gz.Log.
---@param gz table the gizmo module
---@param runtime table the runtime's modules (runtime.lua)
local function install(gz, runtime)
    local components = runtime.components
    local check_type, new_component, with_methods, escape, mounted, emit =
        components.check_type, components.new_component, components.with_methods, components.escape_html,
        components.mounted, runtime.page.emit
    local at_end_of_turn = runtime.scheduler.at_end_of_turn
    local live = components.live
    -- Each constructor's own options (components.check_options).
    local progress_options = { value = true, maximum = true, label = true }
    local log_options = { keep = true }

    -- "Progress: value must be a finite number, not nan", raised `level`
    -- frames above the caller (as error() counts).
    local function number_error(fname, what, value, level)
        local got = type(value) == "number" and tostring(value) or type(value)
        error(format("%s: %s must be %s, not %s", fname, what, "a finite number", got), level + 1)
    end

    local function finite(value, fname, what, level)
        if type(value) ~= "number" or value - value ~= 0 then number_error(fname, what, value, level + 1) end
        return value
    end

    -- ---------------------------------------------------------------------
    -- Progress

    --- A progress bar (gz.Progress).
    ---@class gz.Progress: gz.Component
    ---@field value number|nil where it stands, clamped to 0..maximum; nil while it only says "busy"
    ---@field maximum number
    local Progress = {}

    -- A short number for an attribute.
    local function num(v) return format("%.10g", v) end

    -- The bar and its label. The label is read by people; `aria-valuetext`
    -- gives screen readers the same words instead of the raw value.
    local function progress_html(c)
        local value, maximum, label = c.value, c.maximum, c._label
        local prefix = label and (escape(label) .. " ") or ""
        if value == nil then
            return format('<progress max="%s"%s></progress><span class="gz-progress-label">%s</span>',
                num(maximum), label and format(' aria-label="%s"', escape(label)) or "", escape(label or ""))
        end
        -- Rounded down: 100% only when it is done.
        local percent = format("%d%%", floor(value / maximum * 100))
        return format('<progress max="%s" value="%s" aria-valuetext="%s"%s></progress>'
            .. '<span class="gz-progress-label" aria-hidden="true">%s</span>',
            num(maximum), num(value), prefix .. percent, label and format(' aria-label="%s"', escape(label)) or "",
            prefix .. percent)
    end

    local function clamp(value, maximum)
        if value < 0 then return 0 end
        if value > maximum then return maximum end
        return value
    end

    --- Sets where it stands: a finite number, clamped to 0..maximum; nil
    --- shows a bar that only says "busy".
    ---@param value number|nil
    ---@return gz.Progress self
    function Progress:set_value(value)
        if value ~= nil then value = clamp(finite(value, "set_value", "argument #1", 2), self.maximum) end
        rawset(self, "value", value)
        self:html(progress_html(self))
        return self
    end

    --- Sets where it ends: a finite number above 0 (the value is clamped to it).
    ---@param maximum number
    ---@return gz.Progress self
    function Progress:set_maximum(maximum)
        finite(maximum, "set_maximum", "argument #1", 2)
        if maximum <= 0 then error("set_maximum: argument #1 must be above 0, not " .. tostring(maximum), 2) end
        rawset(self, "maximum", maximum)
        if self.value ~= nil then rawset(self, "value", clamp(self.value, maximum)) end
        self:html(progress_html(self))
        return self
    end

    --- A progress bar with its percentage: `gz.Progress{value = 3, maximum = 10}`
    --- shows 30%; `bar:set_value(7)` moves it.
    ---@param opts? gz.ProgressOptions
    ---@return gz.Progress
    function gz.Progress(opts)
        check_type(opts, "table", "Progress", 1, true)
        opts = opts or {}
        local maximum = opts.maximum
        if maximum == nil then maximum = 100 end
        finite(maximum, "Progress", "argument #1 field 'maximum'", 2)
        if maximum <= 0 then error("Progress: argument #1 field 'maximum' must be above 0, not " .. tostring(maximum), 2) end
        local value = opts.value
        if value == nil then value = 0 end
        if value ~= nil then value = clamp(finite(value, "Progress", "argument #1 field 'value'", 2), maximum) end
        local c = new_component("div", "gz-progress", opts, "Progress", 1, progress_options)
        with_methods(c, Progress)
        c.value, c.maximum = value, maximum
        if opts.label ~= nil then c._label = tostring(opts.label) end
        c._html = progress_html(c)
        return c
    end

    -- ---------------------------------------------------------------------
    -- Log

    --- A scrolling view of the last lines (gz.Log).
    ---@class gz.Log: gz.Component
    local Log = {}

    -- A log's state, kept in `_log`: lines by number (first..last), the
    -- number of the last line the pages have (sent), and the last line
    -- cleared since then (cleared), both as of the end of the last turn.
    local function state_of(self, fname)
        local st = components.is_component(self) and rawget(self, "_log")
        if not st then error(format("%s: call it as a method of a log (log:%s(...))", fname, fname), 3) end
        return st
    end

    -- The end of a turn that changed the log: one command with what the
    -- pages lack. More lines than the log keeps travel as its last `keep`.
    local function flush(c, st)
        if mounted(c) then
            local from = st.sent + 1
            if from < st.first then from = st.first end
            local lines, n = {}, 0
            for seq = from, st.last do
                n = n + 1
                lines[n] = st.lines[seq]
            end
            if n > 0 or st.cleared then
                emit({ op = "log", id = c.id, keep = st.keep, clear = st.cleared, seq = from,
                    add = components.array(lines) })
            end
        end
        st.sent, st.cleared = st.last, nil
    end

    local function add_line(st, line)
        local last = st.last + 1
        st.last = last
        st.lines[last] = line
        if last - st.first >= st.keep then
            st.lines[st.first] = nil
            st.first = st.first + 1
        end
    end

    -- Each line of `text` (split at "\n"; a final "\n" ends the last line
    -- rather than starting an empty one).
    local function add_text(st, text)
        local start, len = 1, #text
        while true do
            local nl = find(text, "\n", start, true)
            if not nl then
                if start <= len or len == 0 then add_line(st, sub(text, start)) end
                return
            end
            add_line(st, sub(text, start, nl - 1))
            start = nl + 1
            if start > len then return end
        end
    end

    --- Adds lines at the end: a string (split at newlines) or a list of
    --- strings (numbers are written as tostring does).
    ---@param lines string|string[]
    ---@return gz.Log self
    function Log:append(lines)
        local st = state_of(self, "append")
        local kind = type(lines)
        if kind == "string" or kind == "number" then
            add_text(st, tostring(lines))
        elseif kind == "table" then
            local count = #lines
            for i = 1, count do
                local line = lines[i]
                local k = type(line)
                if k ~= "string" and k ~= "number" then
                    error(format("append: argument #1 must hold only strings (item %d is %s)", i,
                        line == nil and "nil" or "a " .. k), 2)
                end
            end
            for i = 1, count do add_text(st, tostring(lines[i])) end
        else
            error("append: argument #1 must be a string or a list of strings, not " .. kind, 2)
        end
        at_end_of_turn(self, st.finish)
        return self
    end

    --- Removes every line.
    ---@return gz.Log self
    function Log:clear()
        local st = state_of(self, "clear")
        for seq = st.first, st.last do st.lines[seq] = nil end
        st.first = st.last + 1
        st.cleared = st.last
        at_end_of_turn(self, st.finish)
        return self
    end

    --- The lines it keeps, oldest first (a new list).
    ---@return string[]
    function Log:lines()
        local st = state_of(self, "lines")
        return move(st.lines, st.first, st.last, 1, {})
    end

    -- What a page that joins gets: the kept lines and the number of the first.
    local function log_node(c)
        local st = rawget(c, "_log")
        return { kind = "log", keep = st.keep, seq = st.first,
            lines = components.array(move(st.lines, st.first, st.last, 1, {})) }
    end

    --- A scrolling, monospace view of the last lines: `gz.Log{keep = 500}`,
    --- then `log:append("a line")`. It follows the end unless the person
    --- scrolled up to read.
    ---@param opts? gz.LogOptions
    ---@return gz.Log
    function gz.Log(opts)
        check_type(opts, "table", "Log", 1, true)
        local keep = opts and opts.keep
        if keep == nil then keep = DEFAULT_KEEP end
        if math_type(keep) ~= "integer" and not (type(keep) == "number" and keep == floor(keep) and keep < HUGE) then
            error(format("Log: argument #1 field 'keep' must be a whole number from 1 to %d, not %s", MAX_KEEP,
                type(keep) == "number" and tostring(keep) or type(keep)), 2)
        end
        if keep < 1 or keep > MAX_KEEP then
            error(format("Log: argument #1 field 'keep' must be a whole number from 1 to %d, not %s", MAX_KEEP,
                tostring(keep)), 2)
        end
        local c = new_component("div", "gz-log", opts, "Log", 1, log_options)
        with_methods(c, Log)
        c._attrs = { role = "log", tabindex = "0" }
        local st = { keep = floor(keep), lines = {}, first = 1, last = 0, sent = 0 }
        st.finish = function() flush(c, st) end
        c._log = st
        live[c] = log_node
        return c
    end
end

-- gizmo.lua's loader calls this chunk, then the function it returns with (gz, runtime).
return install
