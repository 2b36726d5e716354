-- gz.read_file, gz.stat and gz.tail: reading and following files
-- (docs/lua-api.md, "Following files"), loaded on the first read of one of
-- them. The host checks where a path lies (the script's folder, the data
-- folder, or --allow-read) and follows files; here are the checks of the
-- arguments, the handles and the runtime's handler of the host's "tail"
-- turn, which delivers the lines.

local type, tostring, error, setmetatable, pcall = type, tostring, error, setmetatable, pcall
local format, tointeger = string.format, math.tointeger

local MAX_READ = 16 * 1048576 -- the most gz.read_file reads at once (DataFolder.readLimit)
local MAX_OFFSET = 1 << 62

---@param gz gz the module, to define the functions in
---@param runtime table the runtime's modules (runtime.lua)
local function install(gz, runtime)
    local host, scheduler = runtime.host, runtime.scheduler
    local decode = host.json_decode
    local read_file, stat, tail, tail_cancel = host.read_file, host.stat, host.tail, host.tail_cancel

    local function check_path(name, path)
        if type(path) ~= "string" or path == "" then
            error(format("%s: argument #1 must be a path (a non-empty string), not %s", name,
                type(path) == "string" and "an empty string" or type(path)), 3)
        end
    end

    local function whole(name, value, default, most)
        if value == nil then return default end
        local n = tointeger(value)
        if n == nil or n < 0 or n > most then
            error(format("gz.read_file: %s must be a whole number from 0 to %d, not %s", name, most, tostring(value)), 3)
        end
        return n
    end

    --- The text of a file in the data folder, the script's folder or a
    --- folder --allow-read grants (at most 16 MiB); or, with `{offset =,
    --- size =}`, `size` bytes from `offset` as they are (fewer at the end of
    --- the file), whatever the file's size. nil and a message when there is
    --- no file, it is larger, or lies elsewhere.
    ---@param path string a path from gz.data_path, or relative to the script's folder, or granted
    ---@param opts? {offset?: integer, size?: integer}
    ---@return string|nil text
    ---@return string|nil message why there is no text
    function gz.read_file(path, opts)
        if opts == nil then return read_file(path) end
        if type(opts) ~= "table" then error("gz.read_file: argument #2 must be a table of options {offset =, size =}", 2) end
        local offset = whole("offset", opts.offset, 0, MAX_OFFSET)
        local size = whole("size", opts.size, MAX_READ, MAX_READ)
        return read_file(path, offset, size)
    end

    --- What is at `path`: `{size =, mtime = <seconds since 1970>, kind =
    --- "file"|"folder"|"other"}`, or nil and a message when nothing is.
    ---@param path string
    ---@return {size: integer, mtime: number, kind: string}|nil
    ---@return string|nil message
    function gz.stat(path)
        check_path("gz.stat", path)
        local size, mtime, kind = stat(path)
        if size == false then error(mtime, 2) end
        if size == nil then return nil, mtime end
        return { size = size, mtime = mtime, kind = kind }
    end

    -- Tails of this state: id -> on_line; the handle a script holds knows
    -- only its id, kept where the script cannot reach it.
    local tails = {}
    local id_of = setmetatable({}, { __mode = "k" })

    --- What gz.tail returns.
    ---@class gz.Tail
    local Tail = runtime.sandbox.protect({})
    Tail.__index = Tail

    --- Stops following the file; lines not yet delivered are dropped.
    function Tail:cancel()
        local id = id_of[self]
        if id and tails[id] then
            tails[id] = nil
            tail_cancel(id)
        end
    end

    --- Follows the file at `path` as `tail -F` does: on_line(line) for each
    --- line appended (without its end of line; lines longer than 64 KiB come
    --- in pieces), from its end (`from = "end"`, the default) or its start.
    --- The file may not exist yet (its folder must); a truncated file is read
    --- again from its start, a file renamed away is read to its end and the
    --- new one from its start.
    ---@param path string
    ---@param opts {on_line: fun(line: string), from?: "end"|"start"}
    ---@return gz.Tail handle with :cancel()
    function gz.tail(path, opts)
        check_path("gz.tail", path)
        if type(opts) ~= "table" or type(opts.on_line) ~= "function" then
            error("gz.tail: argument #2 must be a table of options with on_line = function(line) ... end", 2)
        end
        local from = opts.from == nil and "end" or opts.from
        if from ~= "end" and from ~= "start" then
            error(format("gz.tail: from must be \"end\" or \"start\", not %s", tostring(from)), 2)
        end
        local id, refused = tail(path, from)
        if not id then error(refused, 2) end
        tails[id] = opts.on_line
        local handle = setmetatable({}, Tail)
        id_of[handle] = id
        return handle
    end

    -- Runs on_line for lines[first..] in one coroutine; a line whose handler
    -- fails is reported and the next line goes on in a new coroutine. A
    -- handler that waits (gz.sleep) holds the lines after it in this batch.
    local function run_lines(on_line, lines)
        local first, n = 1, #lines
        while first <= n do
            local at = { first }
            local ok = scheduler.spawn(function()
                for i = first, n do
                    at[1] = i + 1
                    on_line(lines[i])
                end
            end)
            if ok then return end
            if host.stopped() then return end -- past the CPU limit: the rest would only be stopped too
            first = at[1]
        end
    end

    -- The host's "tail" turn: a JSON array of [id, [line, ...]].
    runtime.on_tail = function(batch)
        local ok, events = pcall(decode, batch)
        if not ok then return end
        for i = 1, #events do
            local on_line = tails[events[i][1]]
            if on_line then run_lines(on_line, events[i][2]) end
        end
    end

end

return install
