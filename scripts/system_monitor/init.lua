-- System monitor: this machine's CPU and memory, live, from /proc. This
-- module's service reads /proc once a second for every viewer and keeps
-- the last two minutes in the store; each page draws them.
--
-- Needs: --allow-read=/proc (make serve grants it).
local gz = require("gizmo")

local KEEP = 120 -- the samples kept: two minutes

-- The "cpu" line of /proc/stat: the time spent busy and in all, in ticks.
local function cpu_times()
    local text = assert(gz.read_file("/proc/stat"))
    local fields = {}
    for n in text:match("^cpu%s+([^\n]*)"):gmatch("%d+") do fields[#fields + 1] = tonumber(n) end
    local total = 0
    for _, n in ipairs(fields) do total = total + n end
    local idle = fields[4] + (fields[5] or 0) -- idle and iowait
    return total - idle, total
end

-- /proc/meminfo's MemTotal and MemAvailable, in bytes.
local function memory()
    local text = assert(gz.read_file("/proc/meminfo"))
    local total = tonumber(text:match("MemTotal:%s+(%d+) kB")) * 1024
    local available = tonumber(text:match("MemAvailable:%s+(%d+) kB")) * 1024
    return total - available, total
end

local function load_average()
    local text = assert(gz.read_file("/proc/loadavg"))
    local one, five, fifteen, running = text:match("^(%S+) (%S+) (%S+) (%d+/%d+)")
    return { one = tonumber(one), five = tonumber(five), fifteen = tonumber(fifteen), tasks = running }
end

local cores = 0
for _ in assert(gz.read_file("/proc/stat")):gmatch("\ncpu%d+ ") do cores = cores + 1 end

local busy, total = cpu_times()
local t = (gz.store.get("sample") or {}).t or 0 -- go on counting after a restart

gz.every(1, function()
    local now_busy, now_total = cpu_times()
    local cpu = now_total > total and 100 * (now_busy - busy) / (now_total - total) or 0
    busy, total = now_busy, now_total
    local used, memory_total = memory()
    t = t + 1
    local sample = { t = t, cpu = cpu, memory = 100 * used / memory_total, used = used,
        memory_total = memory_total, load = load_average(), cores = cores }
    gz.store.append("samples", { t = t, cpu = cpu, memory = sample.memory }, { keep = KEEP })
    gz.store.set("sample", sample)
end)
