-- The scheduler: every piece of script code runs in a coroutine that this
-- runtime drives (the main chunk, each handler, each timer, each piece of
-- work deferred to the end of a turn). A coroutine waits by yielding
-- (WAIT, kind, id); the scheduler files it under what it waits for and
-- resumes it when that arrives (OpenResty's model): a timer (`gz.sleep`, a
-- `gz.get` timeout) or a page's reply (`gz.get`).
--
-- A turn that runs on an event loop may be moved: past its slice the host's
-- count hook pauses the running handler (co_resume then answers true and
-- itself, a marker no script can yield) and the host runs the rest of the
-- turn on the session's queue (a "resume" turn).
-- From the pause to the end of the turn, everything this scheduler would
-- start or resume is kept, in order, for that turn, so the script sees its
-- code run in the same order as if nothing had moved.

local host, report = ...

local type, next, error, tostring, setmetatable = type, next, error, tostring, setmetatable
local co_create, co_status, co_running, co_yield =
    coroutine.create, coroutine.status, coroutine.running, coroutine.yield
local co_resume = host.resume_handler -- the hook may pause what this resumes
local debug_traceback = debug.traceback
local find, gmatch, format = string.find, string.gmatch, string.format
local concat = table.concat

local WAIT = "gizmo.wait\0" -- host.sleep yields the same marker
local MAX_SECONDS = 31536000 -- a year: longer waits are mistakes, and Swift's clock overflows far past it

local scheduler = { WAIT = WAIT }

local managed = setmetatable({}, { __mode = "k" }) -- coroutine -> true
local origin_of = setmetatable({}, { __mode = "k" }) -- coroutine -> the page connection whose event started it
local sleepers = {}   -- timer id -> coroutine
local waiting = {}    -- get request id -> { co =, timer = }
local get_timers = {} -- timer id -> get request id
-- What the rest of a moved turn runs, in order ({ co, n =, ...values }
-- each); nil while no turn moves. Made only then: every session would hold it.
local moved

-- Timers of gz.after and gz.every, by host timer id. Their state is the
-- runtime's own (a script holds only a handle, extras.lua), so nothing a
-- script does to a handle reaches the code that runs them.
local timers = {}

-- The library is loaded without debug information (smaller in every
-- session), so its frames would read `?:`; a traceback shows the script's
-- frames only.
local function traceback(co)
    local kept = {}
    for line in gmatch(debug_traceback(co), "[^\n]+") do
        if not find(line, "^\t%?:") and line ~= "\t[C]: in function 'error'" then kept[#kept + 1] = line end
    end
    return concat(kept, "\n")
end

-- Error objects that are not strings are described by running tostring in
-- a coroutine of their own, under the CPU limit like any script code.
local function describe(value)
    local kind = type(value)
    if kind == "string" then return value end
    if kind == "number" or kind == "nil" or kind == "boolean" then return tostring(value) end
    local ok, text = coroutine.resume(co_create(tostring), value)
    if ok and type(text) == "string" then return text end
    return "(error object is a " .. kind .. " value)"
end

local function memory_message(message)
    local used, limit = host.memory()
    if limit > 0 and find(message, "not enough memory", 1, true) then
        return message .. format(" (the session's memory budget is %d MiB; %.1f MiB in use)",
            limit // 1048576, used / 1048576)
    end
    return message
end

--- Resumes `co`; files it under what it waits for, or reports its error.
--- Answers false when the coroutine failed.
local function step(co, ...)
    if moved then -- this turn is moving: the rest runs after what was paused
        moved[#moved + 1] = table.pack(co, ...)
        return true
    end
    local ok, marker, kind, id, timer = co_resume(co, ...)
    if not ok then
        managed[co] = nil
        report(memory_message(describe(marker)), traceback(co))
        return false
    end
    if co_status(co) == "dead" then
        managed[co] = nil
        return true
    end
    if marker ~= WAIT then
        if marker == co_resume then -- the host paused it (host.c): it goes on in the "resume" turn
            moved = { { co, n = 1 } }
            return true
        end
        managed[co] = nil
        report("a handler called coroutine.yield; use gz.sleep or gz.get to wait", traceback(co))
        return false
    end
    if kind == "sleep" then
        sleepers[id] = co
    else -- "get"
        waiting[id] = { co = co, timer = timer }
        if timer then get_timers[timer] = id end
    end
    return true
end
scheduler.step = step

--- The "resume" turn: runs what a moved turn left, in its order.
function scheduler.resume_moved()
    local list = moved or {}
    moved = nil
    for i = 1, #list do
        local item = list[i]
        step(table.unpack(item, 1, item.n))
    end
end

--- Runs fn(...) in a new coroutine on behalf of the page connection
--- `origin` (nil for the main code and timers). Answers false when it failed.
function scheduler.spawn(fn, origin, ...)
    local co = co_create(fn)
    managed[co] = true
    origin_of[co] = origin
    return step(co, ...)
end

--- The page connection whose event started the running coroutine, if any.
function scheduler.origin()
    return origin_of[co_running()]
end

--- Raises unless the caller runs in a coroutine this scheduler can resume.
function scheduler.must_wait(name)
    local co, main = co_running()
    if main or not managed[co] then
        error(name .. " can only wait in a handler, a timer or the script's main code, " ..
            "not inside a coroutine of your own", 3)
    end
end

--- Checks a duration from a script; raises `level` frames up (as error
--- counts from check_seconds; default 3, the caller's caller).
function scheduler.check_seconds(seconds, name, n, level)
    if type(seconds) ~= "number" or seconds ~= seconds or seconds < 0 or seconds > MAX_SECONDS then
        error(format("%s: argument #%d must be a number of seconds from 0 to %d (a year), not %s",
            name, n or 1, MAX_SECONDS, type(seconds) == "number" and tostring(seconds) or type(seconds)),
            level or 3)
    end
    return seconds
end

--- Waits in the running coroutine for the reply to get request `request`
--- (with its timeout timer, if it runs yet); answers ok, value.
function scheduler.wait_get(request, timer)
    return co_yield(WAIT, "get", request, timer)
end

--- Starts the timeout of a get request that was kept until a page came.
function scheduler.start_get_timer(request, seconds)
    local wait = waiting[request]
    if wait and not wait.timer then
        local timer, refused = host.timer(seconds)
        if not timer then return scheduler.finish_get(request, false, refused) end
        wait.timer = timer
        get_timers[timer] = request
    end
end

--- Whether get request `request` still waits.
function scheduler.is_waiting(request)
    return waiting[request] ~= nil
end

--- Resumes the coroutine waiting for get request `request`; false when none waits.
function scheduler.finish_get(request, ok, value)
    local wait = waiting[request]
    if not wait then return false end
    waiting[request] = nil
    if wait.timer then
        get_timers[wait.timer] = nil
        host.cancel(wait.timer)
    end
    step(wait.co, ok, value)
    return true
end

-- Called when a get's timer fires; set by the page module to forget the request.
scheduler.on_get_timeout = function(_) end

--- Starts a timer that runs fn after `seconds` (checked), once or every
--- `seconds`; its state, for cancel_timer. Raises `level` frames up (as
--- error counts from here) when the session has as many timers as it may.
function scheduler.start_timer(seconds, fn, every, level)
    local id, refused = host.timer(seconds)
    if not id then error(refused, level) end
    local timer = { seconds = seconds, every = every, ref = host.ref(fn), id = id }
    timers[id] = timer
    return timer
end

--- Stops a timer; one that already ran or was cancelled is left alone.
function scheduler.cancel_timer(timer)
    local id = timer.id
    if id then
        timers[id] = nil
        host.cancel(id)
        timer.id = nil
        host.unref(timer.ref)
    end
end

--- A host timer has come due.
function scheduler.on_timer(id)
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
        scheduler.on_get_timeout(request)
        return step(wait.co, false, "gz.get: the page did not answer within the timeout")
    end
    local timer = timers[id]
    if not timer then return end -- cancelled while the host was firing it
    timers[id] = nil
    local fn = host.deref(timer.ref)
    if timer.every then
        timer.id = host.timer(timer.seconds) -- never refused: the timer that fired made room
        if timer.id then timers[timer.id] = timer end
    else
        timer.id = nil
        host.unref(timer.ref)
    end
    if not scheduler.spawn(fn) and timer.every and host.stopped() then
        -- A repeating timer stopped by the CPU limit would only be stopped again.
        scheduler.cancel_timer(timer)
        report("gz.every: this timer's function ran past the CPU limit, so the timer was cancelled")
    end
end

-- Work deferred to the end of the turn, once per key (a plot redraws once
-- however many series a handler adds). Each runs as script code would: in a
-- coroutine, under the CPU limit.
local finishers, finisher_keys = {}, {}

function scheduler.at_end_of_turn(key, fn)
    if finisher_keys[key] then return end
    finisher_keys[key] = true
    finishers[#finishers + 1] = fn
end

--- Runs the finishers; true (and runs none) when the turn is moving: the
--- host paused a handler, and its rest and the finishers run in a "resume" turn.
function scheduler.run_finishers()
    if moved then return true end
    while #finishers > 0 do
        local pending = finishers
        finishers, finisher_keys = {}, {}
        for i = 1, #pending do scheduler.spawn(pending[i]) end
    end
end

--- How many coroutines wait for a timer or a page.
function scheduler.waits()
    local n = 0
    for _ in next, waiting do n = n + 1 end
    for _ in next, sleepers do n = n + 1 end
    return n
end

--- Releases every timer reference (the session ends).
function scheduler.shutdown()
    for id, timer in next, timers do
        timers[id] = nil
        timer.id = nil
        host.unref(timer.ref)
    end
    sleepers, waiting, get_timers = {}, {}, {}
    moved = nil
end

return scheduler
