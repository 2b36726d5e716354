-- gz.store: the module's shared, persistent, watched state (docs/lua-api.md),
-- loaded on the first read of `gz.store`. The values live in the host's
-- store (one per module, shared by its service and every session); here are
-- only the checks, the JSON and the watches of this state.
--
-- `install` at the bottom defines gz.store and the runtime's handler of the
-- host's "store" turn, which delivers the changes of watched keys.

local type, tostring, error, setmetatable, pcall, rawset = type, tostring, error, setmetatable, pcall, rawset
local format, math_type = string.format, math.type

local MAX_TRIES = 100 -- update's tries before it gives up (each lost a race to another writer)

---@param gz gz the module, to define gz.store in
---@param runtime table the runtime's modules (runtime.lua)
local function install(gz, runtime)
    local host, scheduler = runtime.host, runtime.scheduler
    local encode, decode = host.json_encode, host.json_decode
    local store_get, store_set, store_append, store_watch, store_cancel, store_begin, store_end =
        host.store_get, host.store_set, host.store_append, host.store_watch, host.store_cancel,
        host.store_begin, host.store_end

    -- The store's JSON (false for no value) as a Lua value.
    local function value_of(json)
        if json == false or json == nil then return nil end
        return decode(json)
    end

    local function check_key(name, key)
        if type(key) ~= "string" or key == "" then
            error(format("gz.store.%s: argument #1 must be a key (a non-empty string), not %s", name,
                type(key) == "string" and "an empty string" or type(key)), 3)
        end
    end

    local function encoded(name, value, what)
        local ok, text = pcall(encode, value)
        if not ok then error(format("gz.store.%s: the %s cannot be stored as JSON: %s", name, what, tostring(text)), 3) end
        return text
    end

    --- A module's shared state: every session of the module and its service
    --- see the same keys, kept on disk (docs/lua-api.md, "gz.store").
    ---@class gz.store
    local store = {}

    --- The key's value (a list made by `append` reads as an array, oldest first), or nil.
    ---@param key string
    ---@return any
    function store.get(key)
        check_key("get", key)
        local json, problem = store_get(key)
        if json == nil then error("gz.store.get: " .. problem, 2) end
        return value_of(json)
    end

    --- Sets the key (nil deletes it); the change is on disk when this returns.
    ---@param key string
    ---@param value any JSON-able
    ---@return any value
    function store.set(key, value)
        check_key("set", key)
        local ok, problem = store_set(key, value ~= nil and encoded("set", value, "value") or nil)
        if not ok then error("gz.store.set: " .. tostring(problem), 2) end
        return value
    end

    --- Replaces the key's value by fn(old value), never losing another
    --- writer's change: when one came in between, fn runs again on the newer
    --- value (so fn should only compute). Returning nil deletes the key.
    ---@param key string
    ---@param fn fun(old: any): any
    ---@return any new value
    function store.update(key, fn)
        check_key("update", key)
        if type(fn) ~= "function" then error("gz.store.update: argument #2 must be a function", 2) end
        for _ = 1, MAX_TRIES do
            -- One updater of the key at a time (the host's gate), so that a
            -- crowd of updaters does not keep overtaking each other; the
            -- compare-and-set below keeps every update even without it.
            local gated, refused = store_begin(key) -- may wait (yield) for the gate
            if gated == nil then
                if refused then error("gz.store.update: " .. refused, 2) end
                gated = true -- waited for the gate, which is this state's now
            end
            local json, version = store_get(key)
            if json == nil then
                if gated then store_end(key) end
                error("gz.store.update: " .. version, 2)
            end
            local computed, new = pcall(fn, value_of(json))
            local ok, problem
            if computed then
                local stored, text = pcall(encode, new)
                if not stored and new ~= nil then
                    problem = "the new value cannot be stored as JSON: " .. tostring(text)
                else
                    ok, problem = store_set(key, new ~= nil and text or nil, version)
                end
            end
            if gated then store_end(key) end
            if not computed then error(new, 0) end -- fn's own error, with its line
            if ok then return new end
            if problem then error("gz.store.update: " .. problem, 2) end
        end
        error(format("gz.store.update: gave up on %q after %d tries, each overtaken by another writer", key, MAX_TRIES), 2)
    end

    --- Adds an item to the key's list, which keeps its last `keep` items
    --- (default 1000); answers the item's sequence number.
    ---@param key string
    ---@param item any JSON-able
    ---@param opts? {keep?: integer}
    ---@return integer seq
    function store.append(key, item, opts)
        check_key("append", key)
        if item == nil then error("gz.store.append: argument #2 must be a value, not nil", 2) end
        local keep = 1000
        if opts ~= nil then
            if type(opts) ~= "table" then error("gz.store.append: argument #3 must be a table of options", 2) end
            keep = opts.keep == nil and keep or opts.keep
            if math_type(keep) ~= "integer" or keep < 1 or keep > 100000 then
                error("gz.store.append: keep must be a whole number from 1 to 100000, not " .. tostring(keep), 2)
            end
        end
        local seq, problem = store_append(key, encoded("append", item, "item"), keep)
        if not seq then error("gz.store.append: " .. problem, 2) end
        return seq
    end

    -- Watches of this state: id -> { fn =, key = }; the handle a script
    -- holds knows only its id, kept where the script cannot reach it.
    local watches = {}
    local id_of = setmetatable({}, { __mode = "k" })

    --- What gz.store.watch returns.
    ---@class gz.Watch
    local Watch = runtime.sandbox.protect({})
    Watch.__index = Watch

    --- Stops the watch; later changes no longer call its function.
    function Watch:cancel()
        local id = id_of[self]
        local watch = id and watches[id]
        if watch then
            watches[id] = nil
            store_cancel(id, watch.key)
        end
    end

    local function deliver(id, value, change)
        local watch = watches[id]
        if watch then scheduler.spawn(watch.fn, nil, value, change) end
    end

    --- Calls fn(value, change) now (at the end of this turn, with the current
    --- value: change.kind "current") and after every change of the key
    --- ("set", "delete", "append" once per item, "gap" when more items came
    --- than the list keeps before this state could take them).
    ---@param key string
    ---@param fn fun(value: any, change: {kind: string, seq?: integer, missed?: integer})
    ---@return gz.Watch handle with :cancel()
    function store.watch(key, fn)
        check_key("watch", key)
        if type(fn) ~= "function" then error("gz.store.watch: argument #2 must be a function", 2) end
        local id, json = store_watch(key)
        if not id then error("gz.store.watch: " .. json, 2) end
        watches[id] = { fn = fn, key = key }
        local handle = setmetatable({}, Watch)
        id_of[handle] = id
        scheduler.at_end_of_turn(watches[id], function()
            local ok, value = pcall(value_of, json)
            deliver(id, ok and value or nil, { kind = "current" })
        end)
        return handle
    end

    -- The host's "store" turn: a JSON array of [id, kind, a, b] events, in
    -- the order of the changes ("set": a = the value's JSON or null;
    -- "append": a = seq, b = the item; "gap": a = items missed, b = the list).
    runtime.on_store = function(batch)
        local ok, events = pcall(decode, batch)
        if not ok then return end
        for i = 1, #events do
            local event = events[i]
            local id, kind = event[1], event[2]
            if kind == "set" then
                local value = event[3]
                deliver(id, value, { kind = value == nil and "delete" or "set" })
            elseif kind == "append" then
                deliver(id, event[4], { kind = "append", seq = event[3] })
            elseif kind == "gap" then
                deliver(id, event[4], { kind = "gap", missed = event[3] })
            end
        end
    end

    rawset(gz, "store", store)
end

return install
