-- The job's dashboard: its status, a progress bar, the live loss curve and
-- the log, with Start, Pause, Resume and Stop buttons that act on the real
-- process (the module's service, init.lua, owns it). Every open page shows
-- the same job; a page opened later attaches to it.
local gz = require("gizmo")

local METRICS = 1000 -- the points of a run's loss curve the service keeps (init.lua)

local state = gz.Text("Waiting for the job...", { class = "job-state" })
local progress = gz.Progress({ value = 0, maximum = 300 })
local step = gz.Text("", { class = "job-step" })
local plot = gz.Plot({ width = 640, height = 300, title = "Loss", xlabel = "step", ylabel = "loss",
    max_points = METRICS })
local log = gz.Log({ keep = 200 })
local history = gz.Stack({}, { class = "job-runs" })

local function ask(action)
    return function() gz.store.append("commands", { action = action, at = os.time() }, { keep = 20 }) end
end
local buttons = {
    start = gz.Button("Start", { on_click = ask("start") }),
    pause = gz.Button("Pause", { on_click = ask("pause") }),
    resume = gz.Button("Resume", { on_click = ask("resume") }),
    stop = gz.Button("Stop", { on_click = ask("stop") }),
}
-- Which buttons make sense in each state of the job.
local usable = {
    running = { pause = true, stop = true },
    paused = { resume = true, stop = true },
    ended = { start = true },
    idle = { start = true },
}

gz.store.watch("status", function(job)
    job = job or { state = "idle" }
    local words = {
        running = "Running", paused = "Paused", ended = "Ended", idle = "Not started",
    }
    local text = words[job.state] or job.state
    if job.run and job.run > 0 then text = ("Run %d: %s"):format(job.run, text) end
    if job.result then text = text .. " (" .. job.result .. ")" end
    if job.pid then text = text .. ", pid " .. job.pid end
    state:text(text)
    if job.total then progress:set_maximum(job.total) end
    progress:set_value(job.step or 0)
    step:text(job.step and ("step %d of %d, loss %s"):format(job.step, job.total or 0,
        job.loss and ("%.3f"):format(job.loss) or "-") or "")
    for name, button in pairs(buttons) do
        button:set_enabled((usable[job.state] or {})[name] == true)
    end
end)

-- The run's losses: the whole curve first (and after a gap), then each new point.
plot:line({}, {}, { label = "loss" })
gz.store.watch("metrics", function(value, change)
    if change.kind == "append" then
        plot:append("loss", { value.step }, { value.loss })
    else
        local xs, ys = {}, {}
        for i, m in ipairs(value or {}) do xs[i], ys[i] = m.step, m.loss end
        plot:clear():line(xs, ys, { label = "loss" })
    end
end)

gz.store.watch("log", function(value, change)
    if change.kind == "append" then
        log:append(value)
    else
        log:clear()
        if value then log:append(value) end
    end
end)

gz.store.watch("runs", function(value, change)
    local runs = change.kind == "append" and (gz.store.get("runs") or {}) or (value or {})
    local lines = {}
    for i = #runs, math.max(1, #runs - 9), -1 do
        local run = runs[i]
        lines[#lines + 1] = gz.Text(("Run %d: %s at step %s, %s"):format(run.run or 0, run.result or "?",
            tostring(run.steps or 0), os.date("%H:%M:%S", run.ended or 0)), { class = "job-run" })
    end
    history:attach_children(lines)
end)

gz.Stack({
    gz.Html("<h1>Job monitor</h1>"),
    state,
    gz.Shelf({ buttons.start, buttons.pause, buttons.resume, buttons.stop }),
    progress,
    step,
    plot,
    gz.Html("<h2>Log</h2>"),
    log,
    gz.Html("<h2>Runs</h2>"),
    history,
}):show()
