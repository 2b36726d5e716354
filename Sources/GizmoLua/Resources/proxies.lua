-- Proxies: JavaScript expressions of the page built by indexing and calling
-- in Lua (gz.window, gz.document, c.element), and gz.send, gz.get and gz.new,
-- which run them. Loaded on first use (see `load_part` in gizmo.lua): most
-- dashboards never reach into the page's JavaScript, and each session would
-- otherwise hold this code. `install` at the bottom defines them and returns
-- what gizmo.lua and the other parts use (`proxy`, `to_expr`).

local type, tostring, pairs, ipairs, select, rawequal, rawget, setmetatable, error =
    type, tostring, pairs, ipairs, select, rawequal, rawget, setmetatable, error
local pack = table.pack

---@param gz gz the module, to define the functions in
---@param runtime table the runtime's modules (runtime.lua)
local function install(gz, runtime)
    local page, components, scheduler = runtime.page, runtime.components, runtime.scheduler
    local json_null, json_encode = runtime.host.json_null, runtime.host.json_encode
    local function_callback, to_page, drop_kept, new_ref =
        page.function_callback, page.to_page, page.drop_kept, page.new_ref
    local is_component, is_proxy, protect = components.is_component, components.is_proxy, runtime.sandbox.protect

    --- A JavaScript expression of the page, built in Lua: indexing a proxy
    --- gives a property (`gz.window.document`), calling one a call
    --- (`gz.window.console:log("hi")`). Nothing runs in the page until the
    --- expression goes to `gz.send` or `gz.get`; assigning a field
    --- (`gz.document.title = "x"`) runs at once.
    --- (Its fields are typed `any`, so `gz.document.title = "x"` checks.)
    ---@class gz.Proxy
    ---@field [string] any a property of the JavaScript value, as a proxy
    ---@overload fun(...: any): gz.Proxy

    local EXPR, PARENT, REF = {}, {}, {} -- private keys
    local Proxy, KeptProxy = {}, {}

    local function proxy(expr, parent)
        return setmetatable({ [EXPR] = expr, [PARENT] = parent }, Proxy)
    end

    local function is_sequence(t)
        local n = #t
        for k in pairs(t) do
            if type(k) ~= "number" or k < 1 or k > n or k % 1 ~= 0 then return false end
        end
        return true
    end

    --- Converts a Lua value into an EXPR of the protocol.
    local function to_expr(value, depth)
        local kind = type(value)
        if kind == "nil" then return json_null end
        if kind == "string" or kind == "number" or kind == "boolean" then return value end
        if kind == "function" then return { fn = function_callback(value) } end
        if kind == "table" then
            if is_proxy(value) then return rawget(value, EXPR) end
            if is_component(value) then return { el = rawget(value, "id") } end
            depth = (depth or 0) + 1
            if depth > 32 then error("gizmo: a table nested more than 32 deep cannot go to the page", 3) end
            if is_sequence(value) then
                local items = {}
                for i = 1, #value do items[i] = to_expr(value[i], depth) end
                return { arr = setmetatable(items, { __jsonarray = true }) }
            end
            local fields = {}
            for k, v in pairs(value) do
                if type(k) ~= "string" and type(k) ~= "number" then
                    error("gizmo: a table key of type " .. type(k) .. " cannot go to the page", 3)
                end
                fields[tostring(k)] = to_expr(v, depth)
            end
            return { obj = fields }
        end
        if value == json_null then return json_null end
        error("gizmo: a " .. kind .. " value cannot go to the page", 3)
    end

    local function arguments(...)
        local args = pack(...)
        local list = setmetatable({}, { __jsonarray = true })
        for i = 1, args.n do list[i] = to_expr(args[i]) end
        return list
    end

    local function proxy_index(p, key)
        return proxy({ get = { rawget(p, EXPR), to_expr(key) } }, p)
    end

    local function proxy_call(p, ...)
        local parent = rawget(p, PARENT)
        local args
        if parent ~= nil and select("#", ...) > 0 and rawequal((...), parent) then
            args = arguments(select(2, ...)) -- `obj:method(...)`
        else
            args = arguments(...)
        end
        return proxy({ call = { rawget(p, EXPR), args } })
    end

    local function proxy_newindex(p, key, value)
        to_page({ op = "exec", expr = { set = { rawget(p, EXPR), to_expr(key), to_expr(value) } } })
    end

    local function proxy_tostring(p)
        return "gizmo proxy " .. json_encode(rawget(p, EXPR))
    end

    for _, mt in ipairs({ Proxy, KeptProxy }) do
        mt.__index, mt.__call, mt.__newindex, mt.__tostring =
            proxy_index, proxy_call, proxy_newindex, proxy_tostring
        mt.__name = "gizmo proxy"
        protect(mt)
    end
    -- The one finalizer in a session: Lua runs it with hooks off, so it only
    -- reads a raw field and stores a number (drop_kept checks it).
    KeptProxy.__gc = function(p)
        drop_kept(rawget(p, REF))
    end

    --- The page's `window`, as a proxy.
    ---@type gz.Proxy
    gz.window = proxy({ root = "window" })
    --- The page's `document`, as a proxy.
    ---@type gz.Proxy
    gz.document = proxy({ root = "document" })

    --- Runs a proxy expression in the page without waiting (H5Gizmos' `do`).
    --- Returns a proxy to the result, which the page keeps while the proxy lives.
    ---@param expr gz.Proxy|any an expression built from gz.window, gz.document, c.element, ...
    ---@return gz.Proxy result
    function gz.send(expr)
        local ref = new_ref()
        to_page({ op = "exec", expr = to_expr(expr), ref = ref })
        return setmetatable({ [EXPR] = { ref = ref }, [REF] = ref }, KeptProxy)
    end

    --- Runs a proxy expression in the page and waits for its JSON value (a
    --- promise is awaited). Only in a handler, a timer or the main code; a
    --- JavaScript exception or no answer within `timeout` seconds (default 10)
    --- raises an error.
    ---@param expr gz.Proxy|any
    ---@param opts? {timeout?: number}
    ---@return any value
    function gz.get(expr, opts)
        scheduler.must_wait("gz.get")
        local timeout = opts and opts.timeout or runtime.page.GET_TIMEOUT
        if type(timeout) ~= "number" or timeout <= 0 then
            error("gz.get: timeout must be a positive number of seconds", 2)
        end
        scheduler.check_seconds(timeout, "gz.get", 2)
        local ok, value = page.get(to_expr(expr), timeout)
        if not ok then error(value, 2) end
        return value
    end

    --- `new Class(...)` in the page, as a proxy: `gz.new(gz.window.Date)`.
    ---@param class gz.Proxy
    ---@param ... any the constructor's arguments
    ---@return gz.Proxy
    function gz.new(class, ...)
        if not is_proxy(class) then error("gz.new: argument #1 must be a proxy such as gz.window.Date", 2) end
        return proxy({ new = { rawget(class, EXPR), arguments(...) } })
    end

    return { proxy = proxy, to_expr = to_expr }
end

-- gizmo.lua's loader calls this chunk, then the function it returns with (gz, runtime).
return install
