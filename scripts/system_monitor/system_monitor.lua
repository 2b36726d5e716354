-- This machine's CPU and memory, live: the module's service (init.lua)
-- reads /proc once a second; every page shows the same samples, as bars
-- and as a plot of the last two minutes.
local gz = require("gizmo")

local KEEP = 120 -- the samples the service keeps (init.lua)

local cpu_text = gz.Text("CPU: waiting for the first sample...", { class = "sys-cpu" })
local cpu_bar = gz.Progress({ value = 0, maximum = 100 })
local memory_text = gz.Text("Memory: -", { class = "sys-memory" })
local memory_bar = gz.Progress({ value = 0, maximum = 100 })
local load_text = gz.Text("", { class = "sys-load" })
local plot = gz.Plot({ width = 640, height = 280, title = "The last two minutes", xlabel = "seconds",
    ylabel = "%", max_points = KEEP })

local function gib(bytes) return bytes / (1 << 30) end

gz.store.watch("sample", function(s)
    if not s then return end
    cpu_text:text(("CPU: %.1f%% of %d cores"):format(s.cpu, s.cores))
    cpu_bar:set_value(s.cpu)
    memory_text:text(("Memory: %.1f of %.1f GiB used (%.1f%%)"):format(gib(s.used), gib(s.memory_total), s.memory))
    memory_bar:set_value(s.memory)
    load_text:text(("Load average: %.2f %.2f %.2f, running/all tasks %s"):format(s.load.one, s.load.five,
        s.load.fifteen, s.load.tasks))
end)

plot:line({}, {}, { label = "CPU" }):line({}, {}, { label = "memory" })
gz.store.watch("samples", function(value, change)
    if change.kind == "append" then
        plot:append("CPU", { value.t }, { value.cpu })
        plot:append("memory", { value.t }, { value.memory })
    else
        local ts, cpu, memory = {}, {}, {}
        for i, s in ipairs(value or {}) do ts[i], cpu[i], memory[i] = s.t, s.cpu, s.memory end
        plot:clear():line(ts, cpu, { label = "CPU" }):line(ts, memory, { label = "memory" })
    end
end)

gz.Stack({
    gz.Html("<h1>System monitor</h1>"),
    cpu_text, cpu_bar,
    memory_text, memory_bar,
    load_text,
    plot,
}):show()
