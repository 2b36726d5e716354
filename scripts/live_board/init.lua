-- A live board: one simulated training job that everyone watches together.
-- This file is the module's service: the server runs it once, with no page,
-- and every second it appends the job's latest measurement to the store
-- and sets the job's status. Each open live_board page draws them from
-- watches, so a hundred viewers cost one job, and viewers can post notes
-- that all the others see.
local gz = require("gizmo")

local KEEP = 300 -- the samples kept (and shown): the last five minutes

-- Go on from where the last run stopped (a restart of the server, or a hot
-- reload of this file): the store keeps the status across both.
local last = gz.store.get("status")
local step = last and last.step or 0

-- A loss that falls fast, then slowly, with some noise, as a real job's does.
local function loss_at(n)
    return 0.15 + 2.2 * math.exp(-n / 90) + 0.06 * (math.random() - 0.5)
end

gz.every(1, function()
    step = step + 1
    local loss = loss_at(step)
    gz.store.append("samples", { step = step, loss = loss }, { keep = KEEP })
    gz.store.set("status", { state = "running", step = step, loss = loss, at = os.time() })
end)
