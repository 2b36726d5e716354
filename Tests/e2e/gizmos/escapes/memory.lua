-- Escape class: memory held outside the Lua heap. Bytes a script serves
-- (gz.Image{bytes=}) are copied into the server; a timer that schedules two
-- timers grows without bound; a file read whole lands in the server before
-- it reaches Lua. Roads: 4 MiB images under new names (32 of them: twice
-- the default budget), thousands of tiny images (a cap on served names),
-- doubling timers (a cap on live timers; the script stops after 50,000 so a
-- server without the cap is not run out of memory), and reading a 24 MiB
-- file the script wrote (built from 1 MiB pieces) three times over.
-- Each must fail with an error that names the budget or the cap.
local gz = require("gizmo")
local page = require("_page")

page.show("Memory outside the Lua heap", {
    { "images", function()
        local bytes = ("x"):rep(4 << 20)
        for _ = 1, 32 do gz.Image({ bytes = bytes, mime = "image/png" }) end
    end },
    { "names", function()
        for _ = 1, 5000 do gz.Image({ bytes = "x", mime = "image/png" }) end
    end },
    { "timers", function()
        local made = 0
        local function double()
            if made >= 50000 then return end
            made = made + 2
            gz.after(0, double)
            gz.after(0, double)
        end
        double()
    end },
    { "read_file", function()
        local path = gz.data_path("big.txt")
        do
            local piece = ("x"):rep(1 << 20)
            gz.write_file(path, piece:rep(24))
        end
        collectgarbage()
        local texts = { false, false, false } -- no allocation after a read
        for i = 1, 3 do
            local text, why = gz.read_file(path)
            if not text then error(why, 0) end
            texts[i] = text
        end
        return #texts
    end },
})
