-- The session runtime: the chunk the host loads into every session's Lua
-- state (precompiled once per process) and calls with its native functions
-- and options. It loads the runtime's parts (sandbox, scheduler, page,
-- components, the gizmo module) and returns the `gizmo` module, the
-- script's environment and its single entry point, `turn`.
--
-- A turn handles one event from the host (a message from a page, a timer,
-- the start of the script, a page gone, a reload) and returns the frame of
-- commands it made for the pages. The host runs each turn under the CPU
-- deadline; the runtime's own code here, in the main thread, has a little
-- longer (host.c).

local host, options = ...

local type, pcall, next = type, pcall, next
local collect = collectgarbage
local json_decode = host.json_decode

-- What the previous run of the script kept (a hot reload), as JSON.
if type(options.kept) == "string" then
    local ok, kept = pcall(json_decode, options.kept)
    options.kept = ok and type(kept) == "table" and kept or nil
end

local function part(name, ...) return host.library(name)(...) end

local function log(level, message) host.log(level, message) end

local sandbox = part("sandbox", host)
local page -- the scheduler reports errors through it
local scheduler = part("scheduler", host, function(...) return page.report(...) end)
page = part("page", host, options, scheduler, log)
local components = part("components", page, sandbox)
page.render_command = components.render_command

local runtime = { host = host, sandbox = sandbox, scheduler = scheduler, page = page, components = components }
local gz = part("gizmo", runtime, options)
local _, adopt = sandbox.environment(gz, gz.log)
sandbox.environment = nil -- made once; its code would stay in every session

-- ---------------------------------------------------------------------------
-- The host's entry point

local turns = {
    frame = page.on_frame,
    timer = scheduler.on_timer,
    resume = scheduler.resume_moved, -- the rest of a turn that moved off an event loop
    leave = page.on_leave,
    rerender = page.rerender,
    store = function(batch) return runtime.on_store(batch) end, -- set by store.lua
    tail = function(batch) return runtime.on_tail(batch) end, -- set by files.lua
    process = function() return runtime.on_process() end, -- set by process.lua
    boot = function(chunk)
        page.boot_started()
        scheduler.spawn(adopt(chunk))
        return page.boot_finished()
    end,
    shutdown = function()
        page.shutdown()
        scheduler.shutdown()
    end,
}

--- Counts for tests and the log: live registry refs, DOM listeners whose
--- component still lives, coroutines waiting for the page or a timer.
local function stats()
    return host.ref_count(), page.listeners(), scheduler.waits()
end

-- Turns after which the session usually goes idle with garbage it would
-- keep: the main chunk's (building the page) and a render's (the node tree).
-- Lua's collector runs only as a state allocates, so an idle session would
-- hold that garbage for good; a full collection after these turns keeps an
-- idle session at its live size.
local collect_after = { boot = true, rerender = true }

--- One turn: handle one event from the host and return the frame to send to
--- every page (or nil); for "boot" also the main chunk's error and how the
--- script showed its page.
local function turn(kind, ...)
    if kind == "stats" then return stats() end
    if kind == "keep" then return runtime.keep() end
    if kind == "snapshot" then return page.snapshot() end
    local result = turns[kind](...)
    -- A moved turn ends in its "resume" turn, which runs the finishers and
    -- sends the frame: the pages never see half of a handler's changes.
    if scheduler.run_finishers() then return nil, result or nil, components.shown_by() end
    local frame = page.flush()
    if collect_after[kind] or page.rendered_for_join() then collect("collect") end
    return frame, result or nil, components.shown_by()
end

return gz, turn
