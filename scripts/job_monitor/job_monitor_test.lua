-- job_monitor: the service runs the job (train.sh, scripted here), every page
-- follows it, and the buttons act on the process.
local t = require("gizmo.test")

local function steps(total)
    local lines = {}
    for n = 1, total do lines[n] = ("step %d/%d loss=%.3f"):format(n, total, 2 / n) end
    return lines
end

t.test("the first page finds a job running, and every page follows it", function()
    local job = t.fake_run("train.sh", { lines = steps(4), every = 1 })
    local one = t.open("job_monitor.lua", { env = { JOB_STEPS = "4" } })
    local two = t.open("job_monitor.lua")
    t.expect(job:args()):equals({ "./train.sh" })
    t.expect(one:text()):contains("Run 1: Running")
    t.expect(one:find("Start"):enabled()):is_false()
    t.advance(2)
    t.expect(two:text()):contains("step 2 of 4, loss 1.000")
    t.expect(one:find{ role = "progressbar" }:text()):contains("50%")
    t.advance(3)
    t.expect(one:text()):contains("Run 1: Ended (finished)")
    t.expect(two:text()):contains("Run 1: finished at step 4")
    t.expect(one:find("Start"):enabled()):is_true()
end)

t.test("Pause, Resume and Stop signal the process", function()
    local job = t.fake_run("train.sh", { lines = steps(100), every = 1 })
    local page = t.open("job_monitor.lua", { env = { JOB_STEPS = "100" } })
    t.advance(3)
    page:find("Pause"):click()
    t.expect(job:signals()):equals({ "STOP" })
    t.expect(page:text()):contains("Run 1: Paused")
    t.advance(5) -- a stopped job prints nothing
    t.expect(page:text()):contains("step 3 of 100")
    page:find("Resume"):click() -- the line held while stopped comes at once
    t.expect(page:text()):contains("step 4 of 100")
    t.advance(1)
    t.expect(page:text()):contains("step 5 of 100")
    page:find("Stop"):click()
    t.expect(job:signals()):equals({ "STOP", "CONT", "CONT", "TERM" })
    t.expect(job:running()):is_false()
    t.expect(page:text()):contains("Run 1: Ended (stopped)")
    page:find("Start"):click()
    t.expect(job:starts()):equals(2)
    t.expect(page:text()):contains("Run 2: Running")
end)

t.test("a job that fails says how", function()
    t.fake_run("train.sh", { lines = steps(1), stderr = { "CUDA out of memory" }, exit = 3 })
    local page = t.open("job_monitor.lua")
    t.expect(page:text()):contains("stderr: CUDA out of memory")
    t.expect(page:text()):contains("failed with exit code 3")
end)

t.test("a run the service lost is shown as interrupted, and nothing starts by itself", function()
    local job = t.fake_run("train.sh", { lines = steps(2) })
    local page = t.open("job_monitor.lua", { store = { status = { state = "running", run = 7, step = 12, total = 300 } } })
    t.expect(page:text()):contains("Run 7: Ended (interrupted: the service stopped)")
    t.expect(job:starts()):equals(0)
end)
