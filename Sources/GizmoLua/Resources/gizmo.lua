-- The gizmo library and the session runtime, loaded once into every session's
-- Lua state (precompiled once per process). The host calls this chunk with
-- its native functions and options; it returns the `gizmo` module and the
-- runtime's single entry point, `turn`.
--
-- Every piece of script code runs in a coroutine that this runtime drives:
-- the script's main chunk, each handler, each timer. A coroutine waits by
-- yielding (WAIT, kind, id); the driver files it under what it waits for and
-- resumes it when that arrives (OpenResty's model). All commands queued in
-- one turn leave as one frame.

local host, options = ...

local json_encode, json_decode, json_null = host.json_encode, host.json_decode, host.json_null
local debug_traceback = debug.traceback

-- The library is loaded without debug information (smaller in every
-- session), so its frames would read `?:`; a traceback shows the script's
-- frames only.
local function traceback(co)
    local kept = {}
    for line in debug_traceback(co):gmatch("[^\n]+") do
        if not line:find("^\t%?:") and line ~= "\t[C]: in function 'error'" then kept[#kept + 1] = line end
    end
    return table.concat(kept, "\n")
end
local co_create, co_resume, co_status, co_running, co_yield =
    coroutine.create, coroutine.resume, coroutine.status, coroutine.running, coroutine.yield
local type, tostring, pairs, ipairs, next, select, rawequal, rawget, rawset, setmetatable, getmetatable, error, pcall =
    type, tostring, pairs, ipairs, next, select, rawequal, rawget, rawset, setmetatable, getmetatable, error, pcall
local concat, unpack, pack = table.concat, table.unpack, table.pack
local floor = math.floor

local WAIT = "gizmo.wait\0" -- host.sleep yields the same marker
local GET_TIMEOUT = options.get_timeout or 10
local MAX_MESSAGE = options.max_message or 1048576

-- The `---@` comments are LuaLS annotations, so an editor completes and
-- checks the API in scripts (docs/lua-api.md, "Editor support").

--- The module `require("gizmo")` returns.
---@class gz
---@field Plot fun(opts?: gz.PlotOptions): gz.Plot a chart drawn as SVG (plot.lua, loaded on first use)
local gz = {}

-- ---------------------------------------------------------------------------
-- The turn's command queue

local queue, queued = {}, 0
local dropped, ndropped = {}, 0 -- kept page results whose Lua proxies died

local function emit(command)
    queued = queued + 1
    queue[queued] = command
end

-- Commands for the page itself (exec, get, drop, error) made before any page
-- has said hello would reach nobody: they are kept and sent after the first
-- render, and a get's timeout starts then. Component changes need no keeping:
-- the render carries them.
local page_seen = false
local early, nearly = {}, 0
local MAX_EARLY = 10000
local early_overflow = false

--- Emits `command` for the page; before the first page, keeps it instead and
--- returns true (a get then starts its timer when it is sent).
local function to_page(command, timeout)
    if page_seen then
        emit(command)
        return false
    end
    if nearly >= MAX_EARLY then
        early_overflow = true
        return false
    end
    nearly = nearly + 1
    early[nearly] = { command = command, timeout = timeout }
    return true
end

-- Work deferred to the end of the turn, once per key (a plot redraws once
-- however many series a handler adds). Each runs as script code would: in a
-- coroutine, under the CPU limit.
local finishers, finisher_keys = {}, {}

local function at_end_of_turn(key, fn)
    if finisher_keys[key] then return end
    finisher_keys[key] = true
    finishers[#finishers + 1] = fn
end

local spawn -- below

local function run_finishers()
    while #finishers > 0 do
        local pending = finishers
        finishers, finisher_keys = {}, {}
        for _, fn in ipairs(pending) do spawn(fn) end
    end
end

local function flush()
    for i = 1, ndropped do
        to_page({ op = "drop", ref = dropped[i] })
        dropped[i] = nil
    end
    ndropped = 0
    if queued == 0 then return nil end
    local frame = json_encode(queue)
    queue, queued = {}, 0
    return frame
end

local function log(level, message)
    host.log(level, message)
end

local boot_error -- the first error of the main chunk, for `gizmolua run`

local function report(message, trace)
    to_page({ op = "error", msg = message, trace = trace })
    if boot_error == false then
        boot_error = message -- the host decides how to tell it
    else
        log("error", trace and (message .. "\n" .. trace) or message)
    end
end

-- Error objects that are not strings are described without running their
-- metamethods in the runtime's own (unlimited) thread.
local function describe(value)
    local kind = type(value)
    if kind == "string" then return value end
    if kind == "number" or kind == "nil" or kind == "boolean" then return tostring(value) end
    local ok, text = co_resume(co_create(tostring), value)
    if ok and type(text) == "string" then return text end
    return "(error object is a " .. kind .. " value)"
end

-- ---------------------------------------------------------------------------
-- Coroutines: every piece of script code runs in one

local managed = setmetatable({}, { __mode = "k" })
local sleepers = {} -- timer id -> coroutine
local waiting = {}  -- get request id -> { co = , timer = }
local get_timers = {} -- timer id -> get request id

local function memory_message(message)
    local used, limit = host.memory()
    if limit > 0 and message:find("not enough memory", 1, true) then
        return message .. string.format(" (the session's memory budget is %d MiB; %.1f MiB in use)",
            limit // 1048576, used / 1048576)
    end
    return message
end

local function step(co, ...)
    local ok, marker, kind, id, timer = co_resume(co, ...)
    if not ok then
        managed[co] = nil
        local message = memory_message(describe(marker))
        report(message, traceback(co))
        return
    end
    if co_status(co) == "dead" then
        managed[co] = nil
        return
    end
    if marker ~= WAIT then
        managed[co] = nil
        report("a handler called coroutine.yield; use gz.sleep or gz.get to wait", traceback(co))
        return
    end
    if kind == "sleep" then
        sleepers[id] = co
    else -- "get"
        waiting[id] = { co = co, timer = timer }
        if timer then get_timers[timer] = id end
    end
end

function spawn(fn, ...)
    local co = co_create(fn)
    managed[co] = true
    step(co, ...)
end

local function must_wait(name)
    local co, main = co_running()
    if main or not managed[co] then
        error(name .. " can only wait in a handler, a timer or the script's main code, " ..
            "not inside a coroutine of your own", 3)
    end
end

-- ---------------------------------------------------------------------------
-- Callbacks: ids the page uses to call into Lua
--
-- A DOM listener belongs to its component (collected with it); a Lua function
-- passed into the page is a counted registry reference, held until the
-- session ends.

local next_callback = 0
local listener_owner = setmetatable({}, { __mode = "v" }) -- callback id -> component
local function_refs = {} -- callback id -> registry ref

local function new_callback_id()
    next_callback = next_callback + 1
    return next_callback
end

local function function_callback(fn)
    local id = new_callback_id()
    function_refs[id] = host.ref(fn)
    return id
end

local function find_callback(id)
    local owner = listener_owner[id]
    if owner then return owner._handlers[id] end
    local ref = function_refs[id]
    if ref then return host.deref(ref) end
    return nil
end

-- ---------------------------------------------------------------------------
-- Proxies (gz.window, gz.document, gz.send, gz.get, gz.new, c.element) are
-- in proxies.lua, loaded on first use like the other parts below: most
-- dashboards never reach into the page's JavaScript, and each session would
-- hold their code.

--- What every component has. Constructors return kinds of component with
--- methods of their own (gz.Input, gz.Plot, ...), which have these too.
--- Every method that changes the component returns it, so calls chain.
---@class gz.Component
---@field id integer the component's number (its element's `data-gz-id`)
---@field element gz.Proxy the component's DOM element, as a proxy
local Component = {}

local function is_component(v)
    local mt = type(v) == "table" and getmetatable(v)
    return type(mt) == "table" and rawget(mt, "_kind") == true
end

-- Proxies' metatables are named so (proxies.lua).
local function is_proxy(v)
    local mt = getmetatable(v)
    return type(mt) == "table" and rawget(mt, "__name") == "gizmo proxy"
end

-- A kept page result (gz.send's) whose proxy died: the page may let it go.
local function drop_kept(ref)
    ndropped = ndropped + 1
    dropped[ndropped] = ref
end

-- The parts' internals and loader (filled in with the parts, below).
local api, load_part

-- proxies.lua's internals (proxy, to_expr), loaded on first use.
local function proxies()
    return load_part("proxies")
end

-- ---------------------------------------------------------------------------
-- Timers

--- Waits `seconds` without blocking the session (in a handler, a timer or
--- the main code).
---@type fun(seconds: number)
gz.sleep = host.sleep -- yields (WAIT, "sleep", timer id) from Swift

local timers = {} -- timer id -> handle

local function on_timer(id)
    local co = sleepers[id]
    if co then
        sleepers[id] = nil
        return step(co)
    end
    local request = get_timers[id]
    if request then
        get_timers[id] = nil
        local wait = waiting[request]
        waiting[request] = nil
        return step(wait.co, false, "gz.get: the page did not answer within the timeout")
    end
    local handle = timers[id]
    if not handle then return end -- cancelled while the host was firing it
    timers[id] = nil
    local fn = host.deref(handle.ref)
    if handle.every then
        handle.id = host.timer(handle.seconds)
        timers[handle.id] = handle
    else
        handle.id = nil
        host.unref(handle.ref)
    end
    spawn(fn)
end

-- ---------------------------------------------------------------------------
-- Components

--- What a DOM event handler receives: the event's plain fields (strings,
--- numbers, booleans), plus `value` and `checked` of its target where they exist.
---@class gz.Event
---@field type string
---@field value? string|number|boolean
---@field checked? boolean
---@field key? string
---@field [string] any

--- Options every constructor takes.
---@class gz.Options
---@field css? table<string, string|number|false> inline CSS, as for c:css
---@field class? string a class name to add
---@field title? any a tooltip

--- A Stack's or Shelf's child: a component; a string or number (a Text); a
--- list (the other container).
---@alias gz.Child gz.Component|string|number|gz.Child[]

local next_component = 0
local root, shown_by

-- A kind of component with methods of its own (Plot, Input, ...) sets
-- `_methods`; lookups try those first, then the common ones.
local function component_index(c, key)
    if key == "element" then
        local element = proxies().proxy({ el = c.id })
        rawset(c, "element", element)
        return element
    end
    local methods = rawget(c, "_methods")
    if methods then
        local method = methods[key]
        if method ~= nil then return method end
    end
    return Component[key]
end

-- Components of one base class share a metatable that knows the class: a
-- component holds `_cls` only once its classes change (a list, another
-- string, or false for none). An idle session holds every component of its
-- page, and a table of four fields is a third smaller than one of five.
local kinds = {} -- base class -> metatable
local function component_kind(class)
    local mt = kinds[class]
    if not mt then
        mt = {
            __name = "gizmo component",
            __index = function(c, key)
                if key == "_cls" then return class end
                return component_index(c, key)
            end,
            _kind = true,
        }
        kinds[class] = mt
    end
    return mt
end

-- Raises at the script's line: `level` counts from the caller of check_type.
local function check_type(value, kind, fname, n, optional, level)
    if value == nil and optional then return end
    if type(value) ~= kind then
        error(string.format("%s: argument #%d must be a %s, not %s", fname, n, kind, type(value)),
            (level or 2) + 1)
    end
end

local function css_name(name)
    return (tostring(name):gsub("_", "-"))
end

-- Whether c is on the page: the shown component or inside it. Asked on
-- each change, so a component stores no flag (an idle session holds every
-- component of its page: each field counts).
local function mounted(c)
    repeat
        if c == root then return true end
        c = c._parent
    until c == nil
    return false
end

local function update(c, command)
    if mounted(c) then emit(command) end
end

local node_of

-- What most components share instead of holding their own: the tag "div",
-- and no children (the first child gives a component its own list).
Component.tag = "div"
Component.kids = setmetatable({}, { __newindex = function() error("gizmo: a leaf's shared empty list was written", 2) end })

-- The list a component's children go in, made on the first one.
local function own_kids(c)
    local kids = rawget(c, "kids")
    if not kids then
        kids = {}
        c.kids = kids
    end
    return kids
end

-- Options are the last argument, #2 for most constructors and #1 for those
-- that take only options (Slider, Image): `n` says which.
local function new_component(tag, class, opts, fname, n)
    check_type(opts, "table", fname, n or 2, true, 3)
    next_component = next_component + 1
    -- _events (event -> callback id) and _handlers (id -> function) are made
    -- by the first c:on: most components of a page never listen.
    local c = setmetatable({ id = next_component, tag = tag ~= "div" and tag or nil }, component_kind(class))
    if opts then
        for option, kind in pairs({ css = "table", class = "string" }) do
            if opts[option] ~= nil and type(opts[option]) ~= kind then
                error(string.format("%s: option %s must be a %s, not %s", fname, option, kind, type(opts[option])), 3)
            end
        end
        if opts.css ~= nil then c:css(opts.css) end
        if opts.class ~= nil then c:add_class(opts.class) end
        if opts.title ~= nil then c:set_title(opts.title) end
    end
    return c
end

node_of = function(c)
    local node = { id = c.id, tag = not c.outer and c.tag or nil, outer = c.outer, text = c._text, html = c._html }
    local cls = c._cls
    if type(cls) == "string" then node.cls = { cls } elseif cls and #cls > 0 then node.cls = cls end -- false: none
    if c._css and next(c._css) then node.css = c._css end
    if c._attrs and next(c._attrs) then node.attrs = c._attrs end
    if c._events and next(c._events) then node.on = c._events end
    if c._slot then node.slot = c._slot end
    if c._inits then node.init = c._inits end
    if #c.kids > 0 then
        local kids = {}
        for i, kid in ipairs(c.kids) do kids[i] = node_of(kid) end
        node.kids = kids
    end
    return node
end

local function detach(child)
    local parent = child._parent
    if not parent then return end
    for i, kid in ipairs(parent.kids) do
        if kid == child then
            table.remove(parent.kids, i)
            break
        end
    end
    child._parent = nil
end

local function clear_content(c)
    for _, kid in ipairs(c.kids) do kid._parent = nil end
    c.kids = nil
    c._text, c._html = nil, nil
end

--- Sets the text (replacing content and children); never parsed as HTML.
---@generic C: gz.Component
---@param self C
---@param text any
---@return C self
function Component:text(text)
    text = text == nil and "" or tostring(text)
    clear_content(self)
    self._text = text
    update(self, { op = "text", id = self.id, v = text })
    return self
end

--- Sets the inner HTML (replacing content and children).
---@generic C: gz.Component
---@param self C
---@param html string
---@return C self
function Component:html(html)
    check_type(html, "string", "html", 1)
    clear_content(self)
    self._html = html
    update(self, { op = "html", id = self.id, v = html })
    return self
end

--- Sets inline CSS properties: `c:css{color = "red", ["font-size"] = "2em"}`;
--- `false` removes one. Underscores become dashes: `font_size` is `font-size`.
---@generic C: gz.Component
---@param self C
---@param properties table<string, string|number|false>
---@return C self
function Component:css(properties)
    check_type(properties, "table", "css", 1)
    self._css = self._css or {}
    local changes = {}
    for name, value in pairs(properties) do
        name = css_name(name)
        if value == false then
            self._css[name] = nil
            changes[name] = json_null
        else
            value = tostring(value)
            self._css[name] = value
            changes[name] = value
        end
    end
    update(self, { op = "css", id = self.id, v = changes })
    return self
end

local function set_attr(c, name, value)
    c._attrs = c._attrs or {}
    c._attrs[name] = value or nil
    update(c, { op = "attr", id = c.id, v = { [name] = value or false } })
end

--- Adds a CSS class.
---@generic C: gz.Component
---@param self C
---@param class string
---@return C self
function Component:add_class(class)
    check_type(class, "string", "add_class", 1)
    local cls = self._cls
    if type(cls) == "table" then
        for _, existing in ipairs(cls) do
            if existing == class then return self end
        end
        cls[#cls + 1] = class
    elseif cls == class then
        return self
    else
        self._cls = cls and { cls, class } or class
    end
    update(self, { op = "class", id = self.id, add = class })
    return self
end

--- Sets the tooltip (the `title` attribute); nil removes it.
---@generic C: gz.Component
---@param self C
---@param title any
---@return C self
function Component:set_title(title)
    set_attr(self, "title", title ~= nil and tostring(title) or nil)
    return self
end

local as_component

--- Appends a child component (a string becomes a Text). A component lives
--- in one place: adding it here moves it from where it was.
---@generic C: gz.Component
---@param self C
---@param child gz.Child
---@return C self
function Component:add(child)
    child = as_component(child, "add", 1, "Stack")
    if child == self then error("add: a component cannot contain itself", 2) end
    detach(child)
    self._text, self._html = nil, nil
    local kids = own_kids(self)
    kids[#kids + 1] = child
    child._parent = self
    if mounted(self) then emit({ op = "append", id = self.id, node = node_of(child) }) end
    return self
end

--- Calls fn(event) on each DOM event of this name; nil removes the handler.
---@generic C: gz.Component
---@param self C
---@param event string a DOM event name: "click", "mouseover", ...
---@param fn? fun(event: gz.Event)
---@return C self
function Component:on(event, fn)
    check_type(event, "string", "on", 1)
    check_type(fn, "function", "on", 2, true)
    -- Components that keep `value` current watch an event of their own; a
    -- handler of the script's for that event runs after the value is updated.
    local track = self._track and self._track[event]
    if track then
        local handler = fn
        fn = function(e, ...)
            track(self, e)
            if handler then return handler(e, ...) end
        end
    end
    if not self._events then self._events, self._handlers = {}, {} end
    local old = self._events[event]
    if old then
        self._handlers[old] = nil
        listener_owner[old] = nil
    end
    local id = nil
    if fn then
        id = new_callback_id()
        self._handlers[id] = fn
        listener_owner[id] = self
    end
    self._events[event] = id
    update(self, { op = "on", id = self.id, event = event, cb = id or json_null })
    return self
end

--- `c:on("click", fn)`.
---@generic C: gz.Component
---@param self C
---@param fn? fun(event: gz.Event)
---@return C self
function Component:set_on_click(fn)
    return self:on("click", fn)
end

-- Scripts and style sheets the gizmo added (js_file, css_file), in order:
-- every render carries them, so a reloaded page gets them back first.
local head = {}

local function render(node)
    emit({ op = "render", node = node, head = #head > 0 and head or nil })
end

local function add_head(kind, url)
    for _, item in ipairs(head) do
        if item.url == url then return end
    end
    local item = { kind = kind, url = url }
    head[#head + 1] = item
    emit({ op = "head", items = { item } })
end

local function show(c, how)
    root, shown_by = c, how
    render(node_of(c))
    return c
end

--- Makes this component the page's content.
---@generic C: gz.Component
---@param self C
---@return C self
function Component:show() return show(self, "show") end

--- Like show, but `gizmolua run` only prints the link and opens no browser.
---@generic C: gz.Component
---@param self C
---@return C self
function Component:link() return show(self, "link") end

-- ---------------------------------------------------------------------------
-- Constructors

--- An element made from HTML: `gz.Html("<h1>Title</h1>")`.
--- One top-level element becomes the component; text or several elements
--- are wrapped in a `div`.
---@param html string
---@param opts? gz.Options
---@return gz.Component
function gz.Html(html, opts)
    check_type(html, "string", "Html", 1)
    local c = new_component("div", "gz-html", opts, "Html")
    c.outer = html
    return c
end

--- A block of plain text (never parsed as HTML).
---@param text any shown as tostring(text)
---@param opts? gz.Options
---@return gz.Component
function gz.Text(text, opts)
    local c = new_component("div", "gz-text", opts, "Text")
    c._text = text == nil and "" or tostring(text)
    return c
end

--- A button: `gz.Button("Go", {on_click = function(event) ... end, enabled = true})`.
---@param label any
---@param opts? gz.ButtonOptions
---@return gz.Component
function gz.Button(label, opts)
    local c = new_component("button", "gz-button", opts, "Button")
    c._text = label == nil and "" or tostring(label)
    c._attrs = { type = "button" }
    if opts then
        check_type(opts.on_click, "function", "Button", 2, true)
        if opts.on_click then c:set_on_click(opts.on_click) end
        if opts.enabled == false then c._attrs.disabled = true end
    end
    return c
end

--- Enables or disables a component (buttons, inputs).
---@generic C: gz.Component
---@param self C
---@param enabled boolean
---@return C self
function Component:set_enabled(enabled)
    set_attr(self, "disabled", not enabled)
    return self
end

---@class gz.ButtonOptions: gz.Options
---@field on_click? fun(event: gz.Event) runs on each click
---@field enabled? boolean false starts it disabled

---@class gz.ContainerOptions: gz.Options
---@field child_css? table<string, string|number|false> CSS applied to every child

local function container(class, fname, other)
    return function(children, opts)
        check_type(children, "table", fname, 1)
        local c = new_component("div", class, opts, fname)
        for _, child in ipairs(children) do c:add(as_component(child, fname, 1, other)) end
        if opts and opts.child_css ~= nil then
            check_type(opts.child_css, "table", fname, 2)
            for _, kid in ipairs(c.kids) do kid:css(opts.child_css) end
        end
        return c
    end
end

--- Children one above the other. Strings become Text; a nested list becomes a Shelf.
---@type fun(children: gz.Child[], opts?: gz.ContainerOptions): gz.Component
gz.Stack = container("gz-stack", "Stack", "Shelf")
--- Children side by side (wrapping on narrow screens). Strings become
--- Text; a nested list becomes a Stack.
---@type fun(children: gz.Child[], opts?: gz.ContainerOptions): gz.Component
gz.Shelf = container("gz-shelf", "Shelf", "Stack")

as_component = function(value, fname, n, nested)
    if is_component(value) then return value end
    local kind = type(value)
    if kind == "string" or kind == "number" then return gz.Text(value) end
    if kind == "table" and getmetatable(value) == nil then return gz[nested](value) end
    error(string.format("%s: argument #%d must hold components, strings or lists, not %s",
        fname, n, is_proxy(value) and "a proxy" or kind), 3)
end

-- ---------------------------------------------------------------------------
-- Files the host serves or writes (the page bridge itself, js_file, css_file,
-- add_content and js_init, is in bridge.lua, loaded on first use)

-- The host answers `url` or `nil, message`; the message is raised at the
-- script's line (`level` counts as error's does, from the caller of serve).
local function serve(level, url, message)
    if not url then error(message, level + 1) end
    return url
end

-- ---------------------------------------------------------------------------
-- Components with a value

local html_escapes = { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;", ["'"] = "&#39;" }
local function escape_html(text)
    return (tostring(text):gsub("[&<>\"']", html_escapes))
end

local function set_prop(c, name, value)
    update(c, { op = "prop", id = c.id, v = { [name] = value } })
end

local function with_methods(c, methods, track)
    rawset(c, "_methods", methods)
    if track then rawset(c, "_track", track) end
    return c
end

-- ---------------------------------------------------------------------------
-- Parts of the library loaded on first use (precompiled by the host), so a
-- session pays for a plot only when it makes one. A part is a chunk called
-- with (gz, api) that defines its constructors.

api = {
    Component = Component,
    new_component = new_component,
    check_type = check_type,
    update = update,
    emit = emit,
    at_end_of_turn = at_end_of_turn,
    to_expr = function(value) return proxies().to_expr(value) end,
    json_null = json_null,
    json_encode = json_encode,
    function_callback = function_callback,
    is_proxy = is_proxy,
    pack = pack,
    to_page = to_page,
    must_wait = must_wait,
    co_yield = co_yield,
    WAIT = WAIT,
    GET_TIMEOUT = GET_TIMEOUT,
    drop_kept = drop_kept,
    detach = detach,
    clear_content = clear_content,
    own_kids = own_kids,
    mounted = mounted,
    node_of = node_of,
    timers = timers,
    array = function(t) return setmetatable(t or {}, { __jsonarray = true }) end,
    escape_html = escape_html,
    with_methods = with_methods,
    set_prop = set_prop,
    is_component = is_component,
    serve = serve,
    add_head = add_head,
    as_component = as_component,
    host = host,
}

-- Loads a part once; what its `install` returns, or true.
local loaded_parts = {}
load_part = function(part)
    local loaded = loaded_parts[part]
    if loaded == nil then
        loaded = host.library(part)()(gz, api) or true
        loaded_parts[part] = loaded
    end
    return loaded
end

-- Puts a loader under each of `names` in `into` (gz for constructors,
-- Component for methods): the first call loads the part, which replaces the
-- loaders, and goes on to the real function (a tail call, so errors raised
-- at the caller's level still name the script's line).
local function on_first_use(part, names, into)
    into = into or gz
    for _, name in ipairs(names) do
        local loader
        loader = function(...)
            load_part(part)
            if into[name] == loader then error("gizmo: the " .. part .. " part did not define " .. name, 2) end
            return into[name](...)
        end
        into[name] = loader
    end
end

on_first_use("plot", { "Plot" })
on_first_use("inputs", { "Input", "LabelledInput", "Slider", "RangeSlider", "CheckBoxes", "RadioButtons", "DropDownSelect" })
on_first_use("bridge", { "Template", "Image" })
on_first_use("bridge", { "add_content", "js_file", "css_file", "js_init" }, Component)
on_first_use("proxies", { "send", "get", "new" })
on_first_use("extras", { "after", "every", "ClickableText" })
on_first_use("extras", { "remove_class", "resize", "attach_children", "empty", "focus" }, Component)
-- gz.window and gz.document are values: the first read loads the part,
-- which sets them.
setmetatable(gz, { __index = function(_, key)
    if key == "window" or key == "document" then
        proxies()
        return rawget(gz, key)
    end
end })

-- ---------------------------------------------------------------------------
-- Utilities

--- JSON: `null` decodes to nil, `gz.json.null` encodes as `null`.
---@class gz.json
---@field encode fun(value: any): string
---@field decode fun(text: string): any raises an error on invalid JSON
---@field null lightuserdata encodes as JSON `null`
gz.json = {
    encode = json_encode,
    decode = json_decode,
    null = json_null,
    --- Marks a table to encode as a JSON array even when empty.
    ---@type fun(t?: table): table
    array = function(t) return setmetatable(t or {}, { __jsonarray = true }) end,
    --- Escapes `& < > " '` for HTML text and attribute values.
    ---@type fun(text: any): string
    escape_html = escape_html,
}

--- What survives a reload of this session's script (hot reload): keep in it
--- what the person typed or chose, and read it back when the script starts.
--- Only JSON-able contents (strings, numbers, booleans, tables of them) are
--- kept; it starts empty in a new session.
---@type table
gz.session = {}
if options.session then
    local ok, kept = pcall(json_decode, options.session)
    if ok and type(kept) == "table" then gz.session = kept end
end

--- The JSON of `gz.session` for the next run of the script, or nil and why not.
local function keep_session()
    local ok, text = pcall(json_encode, gz.session)
    if ok then return text end
    return nil, "gz.session cannot be kept across the reload: " .. tostring(text)
end

--- The process environment, read-only: `gz.env.HOME`, `for k, v in pairs(gz.env)`.
---@type table<string, string>
gz.env = setmetatable({}, {
    __index = function(_, name) return host.getenv(name) end,
    __newindex = function() error("gz.env is read-only", 2) end,
    __pairs = function() return next, host.environ(), nil end,
})

--- The path of `name` in the module's writable data folder.
---@param name string a file name (letters, digits, '-', '_', '.'), no folder
---@return string path
function gz.data_path(name) return serve(2, host.data_path(name)) end

--- Writes text to a file of the data folder atomically (readers never see half a file).
---@param path string from gz.data_path
---@param text string
---@return true
function gz.write_file(path, text) return serve(2, host.write_file(path, text)) end

--- The text of a file in the data folder or the script's own folder; nil and
--- a message when there is none.
---@param path string a path from gz.data_path, or relative to the script's folder
---@return string|nil text
---@return string|nil message why there is no text
function gz.read_file(path) return host.read_file(path) end

--- Writes a line to the server's log (stderr); `print` does the same.
---@param ... any
function gz.log(...)
    local parts = pack(...)
    for i = 1, parts.n do parts[i] = tostring(parts[i]) end
    log("info", concat(parts, " ", 1, parts.n))
end

-- ---------------------------------------------------------------------------
-- The sandbox: what scripts see as globals

local loaded = { gizmo = gz }
local load_text = load

_G.print = gz.log
_G.dofile, _G.loadfile, _G.debug = nil, nil, nil
_G.load = function(chunk, name, _, env)
    if env ~= nil then return load_text(chunk, name, "t", env) end
    return load_text(chunk, name, "t")
end
for _, name in ipairs({ "execute", "exit", "remove", "rename", "tmpname", "setlocale" }) do
    os[name] = nil
end
_G.require = function(name)
    if type(name) ~= "string" then error("require: argument #1 must be a string", 2) end
    local module = loaded[name]
    if module ~= nil then return module end
    local chunk = host.load_module(name)
    module = chunk(name)
    if module == nil then module = true end
    loaded[name] = module
    return module
end

-- ---------------------------------------------------------------------------
-- The page's messages

local function render_all()
    if root then
        render(node_of(root))
    else
        render({ id = 0, tag = "p", cls = { "gz-empty" },
            text = "This gizmo has not shown anything yet (call :show() on a component)." })
    end
end

local function on_call(message)
    local id = message.cb
    local fn = type(id) == "number" and find_callback(id)
    if not fn then
        report("unknown callback id " .. tostring(id) ..
            " (its component or function no longer exists)")
        return
    end
    local args = type(message.args) == "table" and message.args or {}
    spawn(fn, unpack(args, 1, #args))
end

local function on_reply(message)
    local wait = type(message.req) == "number" and waiting[message.req]
    if not wait then
        report("a reply for unknown request id " .. tostring(message.req) ..
            " (it may have timed out)")
        return
    end
    waiting[message.req] = nil
    get_timers[wait.timer] = nil
    host.cancel(wait.timer)
    if message.ok then
        step(wait.co, true, message.v)
    else
        step(wait.co, false, "JavaScript error in the page: " .. tostring(message.err))
    end
end

local rendered = false -- a render went out this turn (see `turn`)

--- A page said hello: it gets the whole tree, and the first page also gets
--- what the script asked of the page before any page existed.
local function on_hello()
    render_all()
    rendered = true
    if page_seen then return end
    page_seen = true
    local kept = early
    early, nearly = {}, 0
    for _, item in ipairs(kept) do
        emit(item.command)
        local wait = item.timeout and waiting[item.command.req]
        if wait then
            wait.timer = host.timer(item.timeout)
            get_timers[wait.timer] = item.command.req
        end
    end
    if early_overflow then
        report(string.format("more than %d page commands were made before a page connected; the rest were dropped",
            MAX_EARLY))
    end
end

local handlers = {
    hello = on_hello,
    call = on_call,
    reply = on_reply,
    error = function(message)
        report("JavaScript error in the page: " .. tostring(message.msg))
    end,
}

local function on_frame(text)
    if #text > MAX_MESSAGE then
        report(string.format("a message of %d bytes from the page is over the %d byte limit; it was dropped",
            #text, MAX_MESSAGE))
        return
    end
    local ok, message = pcall(json_decode, text)
    if not ok then
        report("a message from the page is not valid JSON (" .. message .. "); it was dropped")
        return
    end
    if type(message) ~= "table" or type(message.t) ~= "string" then
        report("a message from the page has no type field 't'; it was dropped")
        return
    end
    local handler = handlers[message.t]
    if not handler then
        report("a message from the page has the unknown type '" .. message.t .. "'; it was dropped")
        return
    end
    handler(message)
end

-- ---------------------------------------------------------------------------
-- The host's entry point

local function shutdown()
    for id, ref in pairs(function_refs) do
        host.unref(ref)
        function_refs[id] = nil
    end
    for id, handle in pairs(timers) do
        timers[id] = nil
        handle.id = nil
        host.unref(handle.ref)
    end
    sleepers, waiting, get_timers = {}, {}, {}
end

local turns = {
    frame = on_frame,
    timer = on_timer,
    boot = function(chunk)
        boot_error = false
        spawn(chunk)
        local failed = boot_error
        boot_error = nil
        return failed
    end,
    shutdown = shutdown,
}

--- Counts for tests and the log: live registry refs, DOM listeners whose
--- component still lives, coroutines waiting for the page or a timer.
local function stats()
    local listeners, waits = 0, 0
    for _ in pairs(listener_owner) do listeners = listeners + 1 end
    for _ in pairs(waiting) do waits = waits + 1 end
    for _ in pairs(sleepers) do waits = waits + 1 end
    return host.ref_count(), listeners, waits
end

--- One turn: handle one event from the host and return the frame to send
--- (or nil); for "boot" also the main chunk's error and how it was shown.
-- Turns after which the session usually goes idle with garbage it would
-- keep: the main chunk's (building the page) and a render's (the node
-- tree). Lua's collector runs only as a state allocates, so an idle session
-- would hold that garbage for good; a full collection after these turns
-- keeps an idle session at its live size.
local collect_after = { boot = true }

local function turn(kind, arg)
    if kind == "stats" then return stats() end
    if kind == "keep" then return keep_session() end
    local result = turns[kind](arg)
    run_finishers()
    local frame = flush()
    if collect_after[kind] or rendered then
        rendered = false
        collectgarbage("collect")
    end
    return frame, result or nil, shown_by
end

return gz, turn
