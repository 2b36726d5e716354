-- gz.fetch: calling HTTP (docs/lua-api.md, "Calling HTTP"), loaded on its
-- first read. The host checks the request and the grants (--allow-net),
-- performs it with one HTTP client for the process, and wakes the waiting
-- coroutine with the answer.

local type, tostring, error, next, math_type = type, tostring, error, next, math.type
local format, find, gmatch = string.format, string.find, string.gmatch
local concat = table.concat
local co_yield = coroutine.yield

---@param gz gz the module, to define gz.fetch in
---@param runtime table the runtime's modules (runtime.lua)
local function install(gz, runtime)
    local host, scheduler = runtime.host, runtime.scheduler
    local fetch, fetch_result = host.fetch, host.fetch_result
    local WAIT = scheduler.WAIT

    -- The headers table as `name:value` lines (the host checks them again).
    local function header_lines(headers)
        if headers == nil then return nil end
        if type(headers) ~= "table" then error("gz.fetch: headers must be a table of names and values", 3) end
        local lines = {}
        for name, value in next, headers do
            if type(name) ~= "string" then
                error("gz.fetch: a header's name must be a string, not " .. type(name), 3)
            end
            if math_type(value) then value = tostring(value) end
            if type(value) ~= "string" then
                error(format("gz.fetch: the %s header's value must be a string, not %s", name, type(value)), 3)
            end
            if find(name, "[\r\n:]") or find(value, "[\r\n%z]") then
                error(format("gz.fetch: the %s header holds a line break, a colon in its name or a NUL", name), 3)
            end
            lines[#lines + 1] = name .. ":" .. value
        end
        return concat(lines, "\n")
    end

    --- Calls `url` and waits (without blocking the session) for the answer:
    --- `{status =, headers = {[lower-case name] = value}, body =}`. A
    --- redirect is not followed: its 3xx comes back with `headers.location`.
    --- nil and a message when the host cannot be reached, the answer does not
    --- come within `timeout` seconds, or its body is larger than the state can
    --- take. Raises when the URL or an option is wrong, or --allow-net does
    --- not grant the URL's host and port.
    ---@param url string http:// or https://
    ---@param opts? {method?: string, headers?: table<string, string>, body?: string, timeout?: number}
    ---@return {status: integer, headers: table<string, string>, body: string}|nil
    ---@return string|nil message
    function gz.fetch(url, opts)
        if type(url) ~= "string" then error("gz.fetch: argument #1 must be a URL (a string), not " .. type(url), 2) end
        if opts ~= nil and type(opts) ~= "table" then error("gz.fetch: argument #2 must be a table of options", 2) end
        opts = opts or {}
        local method, body, timeout = opts.method, opts.body, opts.timeout
        if method ~= nil and type(method) ~= "string" then error("gz.fetch: method must be a string", 2) end
        if body ~= nil and type(body) ~= "string" then error("gz.fetch: body must be a string", 2) end
        if timeout ~= nil and (type(timeout) ~= "number" or timeout ~= timeout) then
            error("gz.fetch: timeout must be a number of seconds", 2)
        end
        local lines = header_lines(opts.headers)
        scheduler.must_wait("gz.fetch")
        local ticket, refused = fetch(url, method, lines, body, timeout)
        if not ticket then error(refused, 2) end
        co_yield(WAIT, "sleep", ticket)
        local status, head, answer = fetch_result(ticket)
        if not status then return nil, head end
        local headers = {}
        for name, value in gmatch(head, "([^:\n]+):([^\n]*)\n") do
            local before = headers[name]
            headers[name] = before and (before .. ", " .. value) or value
        end
        return { status = status, headers = headers, body = answer }
    end
end

return install
