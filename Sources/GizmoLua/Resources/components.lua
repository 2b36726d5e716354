-- The component library: the Component class every component shares, the
-- core constructors (Html, Text, Button, Stack, Shelf), and the tree of
-- what is shown. Kinds with more to them (inputs, plots, the page bridge,
-- timers) are parts loaded on first use (gizmo.lua).
--
-- Component methods run in the script's own coroutines (under its CPU
-- limit). What the runtime does on its own (rendering the tree for a page
-- that joins) reads components with raw access only: a component is the
-- script's table, and nothing the script set on it may run there.

local page, sandbox = ...

local type, tostring, next, ipairs, pairs, error, rawget, rawset, rawlen, rawequal, setmetatable =
    type, tostring, next, ipairs, pairs, error, rawget, rawset, rawlen, rawequal, setmetatable
local format, gsub = string.format, string.gsub
local remove = table.remove
local raw_getmetatable, protect = sandbox.metatable, sandbox.protect
local emit, json_null = page.emit, page.json_null

local MAX_RENDER_DEPTH = 200 -- components nested in a render (JSON nests twice as deep)

local components = {}

--- What every component has. Constructors return kinds of component with
--- methods of their own (gz.Input, gz.Plot, ...), which have these too.
--- Every method that changes the component returns it, so calls chain.
---@class gz.Component
---@field id integer the component's number (its element's `data-gz-id`)
---@field element gz.Proxy the component's DOM element, as a proxy
local Component = {}
components.Component = Component

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

function components.is_component(v)
    local mt = type(v) == "table" and raw_getmetatable(v)
    return type(mt) == "table" and rawget(mt, "_kind") == true
end
local is_component = components.is_component

-- Proxies' metatables are named so (proxies.lua).
function components.is_proxy(v)
    local mt = raw_getmetatable(v)
    return type(mt) == "table" and rawget(mt, "__name") == "gizmo proxy"
end

-- The element proxy comes from proxies.lua, loaded on first use.
components.element_proxy = function(_) error("gizmo: proxies are not installed") end

-- A kind of component with methods of its own (Plot, Input, ...) sets
-- `_methods`; lookups try those first, then the common ones.
local function component_index(c, key)
    if key == "element" then
        local element = components.element_proxy(rawget(c, "id"))
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
        mt = protect({
            __name = "gizmo component",
            __index = function(c, key)
                if key == "_cls" then return class end
                return component_index(c, key)
            end,
            _kind = true,
            _class = class,
        })
        kinds[class] = mt
    end
    return mt
end

-- Raises at the script's line: `level` counts from the caller of check_type.
function components.check_type(value, kind, fname, n, optional, level)
    if value == nil and optional then return end
    if type(value) ~= kind then
        error(format("%s: argument #%d must be a %s, not %s", fname, n, kind, type(value)), (level or 2) + 1)
    end
end
local check_type = components.check_type

local function css_name(name)
    return (gsub(tostring(name), "_", "-"))
end

-- Whether c is on the page: the shown component or inside it. Asked on
-- each change, so a component stores no flag (an idle session holds every
-- component of its page: each field counts).
function components.mounted(c)
    repeat
        if rawequal(c, root) then return true end
        c = rawget(c, "_parent")
    until type(c) ~= "table"
    return false
end
local mounted = components.mounted

function components.update(c, command)
    if mounted(c) then emit(command) end
end
local update = components.update

-- What most components share instead of holding their own: the tag "div",
-- and no children (the first child gives a component its own list).
Component.tag = "div"
Component.kids = setmetatable({},
    protect({ __newindex = function() error("gizmo: a leaf's shared empty list was written", 2) end }))

-- The list a component's children go in, made on the first one.
function components.own_kids(c)
    local kids = rawget(c, "kids")
    if not kids then
        kids = {}
        c.kids = kids
    end
    return kids
end
local own_kids = components.own_kids

-- The options every constructor takes (new_component applies them). Each
-- constructor names its own in one table, made once per session with its
-- part and shared by every call: a check costs a lookup per option given.
local common_options = { css = true, class = true, title = true }

-- Raises at the script's line when `opts` holds a key that is neither one of
-- `own` (the constructor's options; nil for none) nor a common one, naming
-- the options there are: a misspelled option (on_clik) would otherwise be
-- ignored without a word. `level` counts as error's does, from the caller of
-- check_options.
function components.check_options(opts, fname, own, level)
    for key in next, opts do
        if not common_options[key] and not (own and own[key]) then
            components.load_part("mistakes").unknown_option(fname, key, { common_options, own }, level + 1)
        end
    end
end
local check_options = components.check_options

-- Options are the last argument, #2 for most constructors and #1 for those
-- that take only options (Slider, Image): `n` says which. `own` is the set
-- of the constructor's own options (check_options).
function components.new_component(tag, class, opts, fname, n, own)
    check_type(opts, "table", fname, n or 2, true, 3)
    if opts then check_options(opts, fname, own, 3) end
    next_component = next_component + 1
    -- _events (event -> callback id) is made by the first c:on: most
    -- components of a page never listen.
    local c = setmetatable({ id = next_component, tag = tag ~= "div" and tag or nil }, component_kind(class))
    if opts then
        for option, kind in pairs({ css = "table", class = "string" }) do
            if opts[option] ~= nil and type(opts[option]) ~= kind then
                error(format("%s: option %s must be a %s, not %s", fname, option, kind, type(opts[option])), 3)
            end
        end
        if opts.css ~= nil then c:css(opts.css) end
        if opts.class ~= nil then c:add_class(opts.class) end
        if opts.title ~= nil then c:set_title(opts.title) end
    end
    return c
end
local new_component = components.new_component

-- Components whose page side keeps data of its own (a Log's lines, a
-- plot's appended points): component -> function(c) answering the NODE's
-- `live` field. Kept here, not on the component, so a render never runs
-- anything the script set; weak, so the component is collected as usual.
components.live = setmetatable({}, { __mode = "k" })
local live = components.live

-- A raw field that is a table with something in it, or nil.
local function filled(c, key)
    local t = rawget(c, key)
    if type(t) == "table" and next(t) ~= nil then return t end
    return nil
end

--- The NODE (docs/protocol.md) of c and everything under it, read with raw
--- access only: the runtime renders without running anything the script set.
local function node_of(c, depth)
    depth = depth or 0
    local outer = rawget(c, "outer")
    local node = { id = rawget(c, "id"), outer = outer, text = rawget(c, "_text"), html = rawget(c, "_html") }
    if outer == nil then node.tag = rawget(c, "tag") or "div" end
    local cls = rawget(c, "_cls")
    if cls == nil then
        local mt = raw_getmetatable(c)
        cls = type(mt) == "table" and rawget(mt, "_class") or nil
    end
    if type(cls) == "string" then
        node.cls = { cls }
    elseif type(cls) == "table" and rawlen(cls) > 0 then -- false: none
        node.cls = cls
    end
    node.css, node.attrs, node.on, node.init = filled(c, "_css"), filled(c, "_attrs"), filled(c, "_events"),
        filled(c, "_inits")
    node.slot = rawget(c, "_slot")
    local live_data = live[c]
    if live_data then node.live = live_data(c) end
    local kids = rawget(c, "kids")
    if type(kids) == "table" and rawlen(kids) > 0 then
        if depth >= MAX_RENDER_DEPTH then
            error(format("gizmo: components nested more than %d deep cannot be shown", MAX_RENDER_DEPTH), 0)
        end
        local nodes = {}
        for i = 1, rawlen(kids) do
            local kid = rawget(kids, i)
            if is_component(kid) then nodes[#nodes + 1] = node_of(kid, depth + 1) end
        end
        node.kids = nodes
    end
    return node
end
components.node_of = node_of

function components.detach(child)
    local parent = rawget(child, "_parent")
    if not parent then return end
    local kids = parent.kids
    for i, kid in ipairs(kids) do
        if kid == child then
            remove(kids, i)
            break
        end
    end
    child._parent = nil
end
local detach = components.detach

function components.clear_content(c)
    for _, kid in ipairs(c.kids) do kid._parent = nil end
    c.kids = nil
    c._text, c._html = nil, nil
end
local clear_content = components.clear_content

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

function components.set_attr(c, name, value)
    c._attrs = c._attrs or {}
    c._attrs[name] = value or nil
    update(c, { op = "attr", id = c.id, v = { [name] = value or false } })
end
local set_attr = components.set_attr

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

-- How many levels of components hang below c (c alone is 1), counting no
-- further than `limit`.
local function height(c, limit)
    local kids = rawget(c, "kids")
    if limit <= 1 or type(kids) ~= "table" then return 1 end
    local tallest = 0
    for i = 1, rawlen(kids) do
        local kid = rawget(kids, i)
        if is_component(kid) then
            local h = height(kid, limit - 1)
            if h > tallest then tallest = h end
        end
    end
    return tallest + 1
end

--- Raises (at the script's line, `level` as error counts from the caller)
--- unless `child` may go into `parent`: not the parent itself or one of its
--- parents (a loop), and no deeper than a render can carry. Checked when a
--- child is placed, so no tree a page cannot be sent is ever built.
function components.check_placement(parent, child, fname, level)
    local depth, ancestor = 0, parent
    repeat
        if rawequal(ancestor, child) then
            error(fname .. ": a component cannot contain itself or one of its parents", level + 1)
        end
        depth = depth + 1
        ancestor = rawget(ancestor, "_parent")
    until type(ancestor) ~= "table"
    if depth + height(child, MAX_RENDER_DEPTH) > MAX_RENDER_DEPTH then
        error(format("%s: components nested more than %d deep cannot be shown", fname, MAX_RENDER_DEPTH),
            level + 1)
    end
end
local check_placement = components.check_placement

--- Appends a child component (a string becomes a Text). A component lives
--- in one place: adding it here moves it from where it was.
---@generic C: gz.Component
---@param self C
---@param child gz.Child
---@return C self
function Component:add(child)
    child = as_component(child, "add", 1, "Stack")
    check_placement(self, child, "add", 2)
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
    if not self._events then self._events = {} end
    local id = page.listen(self, fn, self._events[event])
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

--- Enables or disables a component (buttons, inputs).
---@generic C: gz.Component
---@param self C
---@param enabled boolean
---@return C self
function Component:set_enabled(enabled)
    set_attr(self, "disabled", not enabled)
    return self
end

-- ---------------------------------------------------------------------------
-- What is shown

-- Scripts and style sheets the gizmo added (js_file, css_file), in order:
-- every render carries them, so a reloaded page gets them back first.
local head = {}

function components.add_head(kind, url)
    for _, item in ipairs(head) do
        if item.url == url then return end
    end
    local item = { kind = kind, url = url }
    head[#head + 1] = item
    emit({ op = "head", items = { item } })
end

--- The render command of what is shown now (for a page that joins, or
--- every page after a reload).
function components.render_command()
    local node
    if root then
        node = node_of(root)
    else
        node = { id = 0, tag = "p", cls = { "gz-empty" },
            text = "This gizmo has not shown anything yet (call :show() on a component)." }
    end
    return { op = "render", node = node, head = #head > 0 and head or nil, g = page.GENERATION }
end

--- How the script put something on the page: "show", "link" or nil.
function components.shown_by() return shown_by end

local function show(c, how)
    root, shown_by = c, how
    emit({ op = "render", node = node_of(c), head = #head > 0 and head or nil, g = page.GENERATION })
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

-- The core constructors, which gizmo.lua puts into the module (so LuaLS sees
-- them as fields of the class gz, which gizmo.lua declares too).
---@class gz
local gz = {}
components.constructors = gz

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

-- Its own options (components.check_options).
local button_options = { on_click = true, enabled = true }
--- A button: `gz.Button("Go", {on_click = function(event) ... end, enabled = true})`.
---@param label any
---@param opts? gz.ButtonOptions
---@return gz.Component
function gz.Button(label, opts)
    local c = new_component("button", "gz-button", opts, "Button", 2, button_options)
    c._text = label == nil and "" or tostring(label)
    c._attrs = { type = "button" }
    if opts then
        check_type(opts.on_click, "function", "Button", 2, true)
        if opts.on_click then c:set_on_click(opts.on_click) end
        if opts.enabled == false then c._attrs.disabled = true end
    end
    return c
end

---@class gz.ButtonOptions: gz.Options
---@field on_click? fun(event: gz.Event) runs on each click
---@field enabled? boolean false starts it disabled

---@class gz.ContainerOptions: gz.Options
---@field child_css? table<string, string|number|false> CSS applied to every child

local container_options = { child_css = true }
local function container(class, fname, other)
    return function(children, opts)
        check_type(children, "table", fname, 1)
        local c = new_component("div", class, opts, fname, 2, container_options)
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

local Text, containers = gz.Text, { Stack = gz.Stack, Shelf = gz.Shelf }

function components.as_component(value, fname, n, nested)
    if is_component(value) then return value end
    local kind = type(value)
    if kind == "string" or kind == "number" then return Text(value) end
    if kind == "table" and raw_getmetatable(value) == nil then return containers[nested](value) end
    error(format("%s: argument #%d must hold components, strings or lists, not %s",
        fname, n, components.is_proxy(value) and "a proxy" or kind), 3)
end
as_component = components.as_component

-- ---------------------------------------------------------------------------
-- Helpers for the parts

local html_escapes = { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;", ["'"] = "&#39;" }
function components.escape_html(text)
    return (gsub(tostring(text), "[&<>\"']", html_escapes))
end

function components.set_prop(c, name, value)
    update(c, { op = "prop", id = c.id, v = { [name] = value } })
end

function components.with_methods(c, methods, track)
    rawset(c, "_methods", methods)
    if track then rawset(c, "_track", track) end
    return c
end

function components.array(t) return setmetatable(t or {}, { __jsonarray = true }) end

return components
