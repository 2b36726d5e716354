-- The `gizmo` module a script requires: the components (components.lua and
-- the parts loaded on first use), timers, JSON, the environment, the data
-- folder, the log and `gz.session`. Called by runtime.lua with the
-- runtime's modules; answers the module.
--
-- The `---@` comments are LuaLS annotations, so an editor completes and
-- checks the API in scripts (docs/lua-api.md, "Editor support").

local runtime, options = ...
local host, page, scheduler, components, sandbox =
    runtime.host, runtime.page, runtime.scheduler, runtime.components, runtime.sandbox

local type, tostring, next, ipairs, pcall, error, rawget, setmetatable =
    type, tostring, next, ipairs, pcall, error, rawget, setmetatable
local concat, pack = table.concat, table.pack
local json_encode, json_decode, json_null = host.json_encode, host.json_decode, host.json_null

--- The module `require("gizmo")` returns.
---@class gz
---@field Plot fun(opts?: gz.PlotOptions): gz.Plot a chart drawn as SVG (plot.lua, loaded on first use)
---@field Progress fun(opts?: gz.ProgressOptions): gz.Progress a progress bar with its percentage (live.lua)
---@field Log fun(opts?: gz.LogOptions): gz.Log a scrolling view of the last lines (live.lua)
local gz = {}

for name, constructor in next, components.constructors do gz[name] = constructor end

-- ---------------------------------------------------------------------------
-- Parts of the library loaded on first use (precompiled by the host), so a
-- session pays for a plot only when it makes one. A part is a chunk that
-- returns install(gz, runtime), which defines its constructors and methods.

local loaded_parts = {}
local function load_part(part)
    local loaded = loaded_parts[part]
    if loaded == nil then
        loaded = host.library(part)()(gz, runtime) or true
        loaded_parts[part] = loaded
    end
    return loaded
end
runtime.load_part = load_part

-- Names whose part is loaded on first use: gz's constructors (and
-- gz.window, gz.document, gz.store, which are values), and Component's
-- methods. The first read of one loads its part, which defines it; every
-- later read finds it in place. Tables, not a loader function per name:
-- every session holds these, and a closure per name cost more than the
-- parts' names (docs/performance.md, "Memory per idle session").
local gz_parts = {
    Plot = "plot",
    Input = "inputs", LabelledInput = "inputs", Slider = "inputs", RangeSlider = "inputs",
    CheckBoxes = "inputs", RadioButtons = "inputs", DropDownSelect = "inputs",
    Template = "bridge", Image = "bridge",
    send = "proxies", get = "proxies", new = "proxies", window = "proxies", document = "proxies",
    after = "extras", every = "extras", ClickableText = "extras",
    store = "store",
    Progress = "live", Log = "live",
    read_file = "files", stat = "files", tail = "files",
    fetch = "fetch",
    spawn = "process", process = "process",
}
local method_parts = {
    add_content = "bridge", js_file = "bridge", css_file = "bridge", js_init = "bridge",
    remove_class = "extras", resize = "extras", attach_children = "extras", empty = "extras", focus = "extras",
}

-- `into[key]`, loading its part first when it is one of `parts`' names.
local function from_part(parts, into, key)
    local part = parts[key]
    if part == nil then return nil end
    load_part(part)
    local value = rawget(into, key)
    if value == nil then error("gizmo: the " .. part .. " part did not define " .. key, 3) end
    return value
end

local Component = components.Component
setmetatable(Component, { __index = function(_, key) return from_part(method_parts, Component, key) end })

-- A module's service (init.lua) has no page: every constructor, and what
-- reaches a page, raises at the script's line instead.
if options.service then
    local function no_page(name)
        return function()
            error("gz." .. name .. ": a module's service has no page; make components in the module's scripts, "
                .. "and share data with them through gz.store", 2)
        end
    end
    for name in next, components.constructors do gz[name] = no_page(name) end
    for _, name in ipairs({ "Plot", "Input", "LabelledInput", "Slider", "RangeSlider", "CheckBoxes", "RadioButtons",
        "DropDownSelect", "Template", "Image", "ClickableText", "send", "get", "new", "Progress", "Log" }) do
        gz[name] = no_page(name)
    end
end

components.element_proxy = function(id) return load_part("proxies").proxy({ el = id }) end
components.to_expr = function(value) return load_part("proxies").to_expr(value) end

-- The first mistake a script makes loads the part that says what it meant.
components.load_part = load_part

-- A name that is neither in gz nor in a part is a mistake, raised at the
-- script's line with the nearest name (`gz.Buton`: did you mean gz.Button?)
-- rather than answered as nil, which would fail later as "attempt to call a
-- nil value (field 'Buton')".
setmetatable(gz, { __index = function(_, key)
    if options.service and (key == "window" or key == "document") then
        error("gz." .. key .. ": a module's service has no page", 2)
    end
    local value = from_part(gz_parts, gz, key)
    if value == nil then load_part("mistakes").unknown_name(key, { gz, gz_parts }, 2) end
    return value
end })

-- ---------------------------------------------------------------------------
-- Timers

--- Waits `seconds` without blocking the session (in a handler, a timer or
--- the main code).
---@param seconds number from 0 to a year
function gz.sleep(seconds)
    scheduler.check_seconds(seconds, "gz.sleep")
    -- Yields (WAIT, "sleep", timer id) from Swift; answers nil and why when
    -- the session has as many timers as it may.
    local _, refused = host.sleep(seconds)
    if refused then error(refused, 2) end
end

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
    array = components.array,
    --- Escapes `& < > " '` for HTML text and attribute values.
    ---@type fun(text: any): string
    escape_html = components.escape_html,
}

--- What survives a reload of this session's script (hot reload): keep in it
--- what the person typed or chose, and read it back when the script starts.
--- Only JSON-able contents (strings, numbers, booleans, tables of them) are
--- kept; it starts empty in a new session.
---@type table
gz.session = {}
local kept = options.kept
if type(kept) == "table" and type(kept.session) == "table" then gz.session = kept.session end

--- The JSON of what the next run of the script keeps (gz.session, and what
--- the protocol remembers of the pages), or nil and why not.
function runtime.keep()
    local state = page.keep()
    local ok, text = pcall(json_encode, gz.session)
    if ok then
        state.session = gz.session
    else
        state.problem = "gz.session cannot be kept across the reload: " .. tostring(text)
    end
    local encoded, json = pcall(json_encode, state)
    if not encoded then return nil, tostring(json) end
    return json, state.problem
end

--- The process environment, read-only: `gz.env.HOME`, `for k, v in pairs(gz.env)`.
---@type table<string, string>
gz.env = setmetatable({}, sandbox.protect({
    __index = function(_, name) return host.getenv(name) end,
    __newindex = function() error("gz.env is read-only", 2) end,
    __pairs = function() return next, host.environ(), nil end,
}))

-- The host answers `url` or `nil, message`; the message is raised at the
-- script's line (`level` counts as error's does, from the caller of serve).
function components.serve(level, url, message)
    if not url then error(message, level + 1) end
    return url
end
local serve = components.serve

--- The path of `name` in the module's writable data folder.
---@param name string a file name (letters, digits, '-', '_', '.'), no folder
---@return string path
function gz.data_path(name) return serve(2, host.data_path(name)) end

--- Writes text to a file of the data folder atomically (readers never see half a file).
---@param path string from gz.data_path
---@param text string
---@return true
function gz.write_file(path, text) return serve(2, host.write_file(path, text)) end

--- Writes a line to the server's log (stderr); `print` does the same.
---@param ... any
function gz.log(...)
    local parts = pack(...)
    for i = 1, parts.n do parts[i] = tostring(parts[i]) end
    host.log("info", concat(parts, " ", 1, parts.n))
end

return gz
