-- Sends 64 KiB of text every 10 ms once "Flood" is clicked (or at once, for
-- a page that never reads): the server must not buffer it without end.
local gz = require("gizmo")

local big = gz.Text("")
local chunk = ("x"):rep(65536)
local n = 0
local function flood()
    gz.every(0.01, function()
        n = n + 1
        big:text(n .. chunk)
    end)
end
gz.Stack({gz.Button("Flood", {on_click = flood}), big}):show()
if gz.env.FIREHOSE_AT_ONCE then flood() end
