-- Job monitor: a dashboard for a real process. This module's service
-- starts a small training job (train.sh, a real program), follows its
-- output into the store, and acts on it when a viewer presses Start,
-- Pause, Resume or Stop; every open page shows the same job, live.
-- Closing every page leaves the job running; a new page attaches to it.
--
-- Needs: --allow-run=<this folder>/train.sh (make serve grants it).
--
-- The store keys: "status" (the job's state, step and loss), "metrics"
-- (the run's losses, one item per step), "log" (its other lines), "runs"
-- (the history of runs) and "commands" (what the viewers asked for).
local gz = require("gizmo")

local JOB = { "./train.sh" } -- relative to this folder
-- The steps of a run (train.sh prints one line per step, ten a second);
-- JOB_STEPS in the server's environment sets another length.
local STEPS = math.tointeger(tonumber(gz.env.JOB_STEPS)) or 300
local METRICS = 1000 -- the points kept of a run's loss curve
local LOG = 500 -- the log lines kept
local RUNS = 50 -- the runs kept in the history

local job -- the running job's handle, or nil

-- Sets some fields of "status", keeping the others.
local function status(fields)
    return gz.store.update("status", function(old)
        local new = {}
        for k, v in pairs(old or {}) do new[k] = v end
        for k, v in pairs(fields) do new[k] = v end
        return new
    end)
end

local function log(line)
    gz.store.append("log", line, { keep = LOG })
end

-- How a run ended, in words, from its exit code or signal.
local function result_of(code, signal, asked)
    if code == 0 then return "finished" end
    if signal == "TERM" or code == 143 then return asked and "stopped" or "ended by TERM" end
    if signal then return "killed by " .. signal end
    return "failed with exit code " .. tostring(code)
end

local stop_asked = false

local function on_line(line, stream)
    local step, total, loss = line:match("^step (%d+)/(%d+) loss=([%d.]+)$")
    if step and stream == "stdout" then
        step, loss = tonumber(step), tonumber(loss)
        gz.store.append("metrics", { step = step, loss = loss }, { keep = METRICS })
        status({ step = step, total = tonumber(total), loss = loss })
    else
        log(stream == "stderr" and ("stderr: " .. line) or line)
    end
end

local function on_exit(code, signal)
    job = nil
    local result = result_of(code, signal, stop_asked)
    local now = status({ state = "ended", pid = false, ended = os.time(), result = result })
    log(("run %d %s"):format(now.run or 0, result))
    gz.store.append("runs", { run = now.run, started = now.started, ended = now.ended, result = result,
        steps = now.step }, { keep = RUNS })
end

local function start()
    if job then return end
    local run = ((gz.store.get("status") or {}).run or 0) + 1
    stop_asked = false
    gz.store.set("metrics", nil) -- a new run, a new curve
    job = gz.spawn(JOB, { env = { STEPS = tostring(STEPS) }, on_line = on_line, on_exit = on_exit })
    log(("run %d started, pid %d"):format(run, job.pid))
    status({ state = "running", run = run, pid = job.pid, started = os.time(), ended = false, result = false,
        step = 0, total = STEPS, loss = false })
end

-- What a viewer's button asked for (job_monitor.lua appends it to "commands").
local actions = {
    start = start,
    pause = function()
        if job then job:signal("STOP"); status({ state = "paused" }); log("paused (STOP)") end
    end,
    resume = function()
        if job then job:signal("CONT"); status({ state = "running" }); log("resumed (CONT)") end
    end,
    stop = function()
        if job then
            stop_asked = true
            job:signal("CONT") -- a paused job must run to obey TERM
            job:signal("TERM")
            log("stop asked (TERM)")
        end
    end,
}

-- A job that was running when this service last stopped (a restart of the
-- server, a reload of this file) ended with it: say so, and offer Start.
local last = gz.store.get("status")
if last and (last.state == "running" or last.state == "paused") then
    local result = "interrupted: the service stopped"
    status({ state = "ended", pid = false, ended = os.time(), result = result })
    gz.store.append("runs", { run = last.run, started = last.started, ended = os.time(), result = result,
        steps = last.step }, { keep = RUNS })
end

gz.store.watch("commands", function(command, change)
    -- Only what is asked from now on: the first call and a gap give old commands.
    if change.kind ~= "append" or type(command) ~= "table" then return end
    local act = actions[command.action]
    if act then act() end
end)

-- The first time this module runs, start a run at once, so that the first
-- page shows a live job; after a restart, a viewer decides (Start).
if not last then start() end
