-- A timer that spins on every run, for the attack bars (test_attack_bars.py):
-- gz.every(0.01, spin), and each run also arms the next with gz.after first,
-- so the attack goes on even where a repeating timer whose run was stopped is
-- cancelled. A session stopped by the CPU limit three times within a minute
-- must be ended.
local gz = require("gizmo")

local function spin()
    gz.after(0.01, spin)
    while true do end
end

gz.every(0.01, spin)
gz.Text("spinning"):show()
