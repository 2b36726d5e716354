-- The script's world. A script runs in an environment of its own: a fresh
-- table holding the libraries it may use as tables of its own, so that
-- whatever it redefines (`pairs`, `string.find`, `table.concat`) changes its
-- world only. The runtime keeps the references it captured when it was loaded and
-- never reads a global or calls a string method, so nothing a script
-- defines runs as part of the runtime's own work.
--
-- Metatables the runtime makes are protected (`protect`): `getmetatable`
-- gives a decoy and `setmetatable` refuses them. Finalizers (`__gc`) are
-- refused outright: Lua runs them with hooks off, so no deadline could stop
-- one.

local host = ...

local type, next, ipairs, select, error, rawget, rawset, setmetatable, getmetatable, tostring =
    type, next, ipairs, select, error, rawget, rawset, setmetatable, getmetatable, tostring
local load, sort, concat = load, table.sort, table.concat
local raw_getmetatable = debug.getmetatable
local setupvalue = debug.setupvalue
local os_date = os.date

local sandbox = {}

--- Makes `mt` a protected metatable: `getmetatable` on its objects answers
--- `decoy` (false by default) and `setmetatable` on them fails.
function sandbox.protect(mt, decoy)
    if decoy == nil then decoy = false end
    mt.__metatable = decoy
    return mt
end

--- The metatable of `v`, protected or not (the runtime's own view).
sandbox.metatable = raw_getmetatable

-- The script's `string`, `table`, `math`, `utf8` and `coroutine` are tables
-- of its own that read through to the library the runtime captured (a
-- protected metatable), instead of copies: every session would hold five
-- copies it almost never changes (docs/performance.md, "Memory per idle
-- session"). A name the script adds goes into its table. Replacing or
-- removing one of the library's own names, or listing the table with
-- `pairs`, first makes the table a full copy and drops the metatable: from
-- then on it is a plain table, the script's alone. Either way the
-- library's own table is never written.
local function own_copy(t)
    local mt = raw_getmetatable(t)
    local library = mt and rawget(mt, "__index")
    if library == nil then return end
    for k, v in next, library do
        if rawget(t, k) == nil then rawset(t, k, v) end
    end
    mt.__metatable = nil -- what protected it; the table is the script's now
    setmetatable(t, nil)
end

local function own_newindex(t, k, v)
    local library = rawget(raw_getmetatable(t), "__index")
    if library[k] ~= nil then own_copy(t) end
    rawset(t, k, v)
end

local function own_pairs(t)
    own_copy(t)
    return next, t, nil
end

local function own_library(library, fields)
    return setmetatable(fields or {}, sandbox.protect({
        __index = library, __newindex = own_newindex, __pairs = own_pairs,
    }))
end

local BASE = { "assert", "error", "getmetatable", "ipairs", "next", "pairs", "pcall", "rawequal", "rawget",
    "rawlen", "rawset", "select", "tonumber", "tostring", "type", "xpcall", "collectgarbage" }
local MAX_DATE_FORMAT = 256

-- table.sort's comparisons run in C; a comparator written in Lua lets the
-- count hook stop a sort of a huge table at the deadline.
local function less(a, b) return a < b end

local function bounded_sort(list, comp)
    if comp == nil then return sort(list, less) end
    if type(comp) ~= "function" then
        error("bad argument #2 to 'sort' (function expected, got " .. type(comp) .. ")", 2)
    end
    return sort(list, function(a, b) return comp(a, b) end)
end

-- os.date loops in C over its format: a format of millions of conversions
-- would hold a core.
local function bounded_date(format, time)
    if type(format) == "string" and #format > MAX_DATE_FORMAT then
        error("os.date: a format of more than " .. MAX_DATE_FORMAT .. " characters is refused", 2)
    end
    return os_date(format, time)
end

local function checked_setmetatable(t, mt)
    if type(mt) == "table" and rawget(mt, "__gc") ~= nil then
        error("setmetatable: __gc finalizers are not allowed in gizmo scripts (Lua runs them " ..
            "outside the CPU limit); close resources explicitly instead", 2)
    end
    return setmetatable(t, mt)
end

--- A new environment for one script, and the function that runs a loaded
--- chunk in it.
---@param gz table the `gizmo` module (`require("gizmo")`)
---@param log function what `print` does
function sandbox.environment(gz, log)
    local env = {}
    for _, name in ipairs(BASE) do env[name] = _G[name] end
    env._VERSION = _VERSION
    env._G = env
    env.string = own_library(string)
    env.table = own_library(table, { sort = bounded_sort })
    env.math = own_library(math)
    env.utf8 = own_library(utf8)
    env.coroutine = own_library(coroutine)
    env.os = { clock = os.clock, date = bounded_date, difftime = os.difftime, getenv = os.getenv, time = os.time }
    env.setmetatable = checked_setmetatable
    env.print = log

    -- String methods (`s:upper()`) find the script's own string table, so a
    -- function it adds there works as a method; the runtime calls none.
    local strings = raw_getmetatable("")
    strings.__index = env.string
    sandbox.protect(strings, { __index = env.string })

    --- Runs `chunk` (a function just loaded) in the script's environment.
    local function adopt(chunk)
        setupvalue(chunk, 1, env)
        return chunk
    end

    -- Text only, never bytecode; into the script's environment unless given one.
    env.load = function(chunk, name, _, ...)
        local f, message
        if select("#", ...) > 0 then
            f, message = load(chunk, name, "t", (...))
        else
            f, message = load(chunk, name, "t", env)
        end
        return f, message
    end

    local loaded = { gizmo = gz }
    env.require = function(name)
        if type(name) ~= "string" then error("require: argument #1 must be a string", 2) end
        local module = loaded[name]
        if module ~= nil then return module end
        local chunk = host.load_module(name)
        module = adopt(chunk)(name)
        if module == nil then module = true end
        loaded[name] = module
        return module
    end

    return env, adopt
end

return sandbox
