-- system_monitor: the service reads /proc each second (run with
-- --allow-read=/proc, as `make test` does) and every page shows the sample.
local t = require("gizmo.test")

t.test("each second every page shows this machine's CPU and memory", function()
    local one = t.open("system_monitor.lua")
    local two = t.open("system_monitor.lua")
    t.expect(one:text()):contains("CPU: waiting for the first sample...")
    t.advance(1)
    t.expect(one:text()):matches("CPU: [%d.]+%% of %d+ cores")
    t.expect(two:text()):matches("Memory: [%d.]+ of [%d.]+ GiB used")
    t.expect(two:text()):contains("Load average:")
    t.advance(2)
    t.expect(t.store("system_monitor", "samples")):has_length(3)
end)
