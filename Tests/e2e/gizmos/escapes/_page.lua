-- The page every escape script shows (a module, not a script: its name
-- starts with "_"). `show` builds it from a list of roads:
--
--   { "name", function(event, page) ... end, paths = true, timer = true }
--
-- Each road gets a button "attack <name>" ("attack" for the name "") and,
-- with `timer`, one more, "attack <name> later", that starts it from a
-- timer. After the road's function returns, the status reads "attack
-- returned: <name>". With `paths`, the handler then sets off the runtime's
-- own paths that could meet what the attack replaced: a timer (and the part
-- of the library that holds timers, loaded now if it was not), a command for
-- the page through a proxy (which loads the proxies' part and leaves a kept
-- result as garbage), and an error report with its traceback; the test
-- drives the rest (a render, clicks, an error from the page). Everything
-- this module uses is captured when it loads, so an attack that replaces
-- globals does not break the page's own code.
local gz = require("gizmo")
local pcall, error, ipairs, setmetatable = pcall, error, ipairs, setmetatable

local page = {}

--- Never returns: what every attack that wants to keep a core busy runs.
function page.spin()
    while true do end
end

--- Builds the page, shows it and returns it: `page.status`, `page.out`,
--- `page.victim` (a button that components roads attack; clicking it reads
--- "victim clicked").
function page.show(title, roads)
    local self = setmetatable({}, { __index = page })
    self.status = gz.Text("ready")
    self.out = gz.Text("idle")
    local status = self.status
    self.victim = gz.Button("victim", { on_click = function() status:text("victim clicked") end })
    local pings = 0
    local ping = gz.Button("ping", { on_click = function()
        pings = pings + 1
        self.out:text("pong " .. pings)
    end })

    local buttons = {}
    for _, road in ipairs(roads) do
        local name, attack = road[1], road[2]
        local function run(event)
            local ok, problem = pcall(attack, event or {}, self)
            if road.paths then
                gz.after(0, function() status:text("timer ran") end)
                gz.send(gz.window.console.log("sent after " .. name))
            end
            if not ok then error(problem, 0) end
            status:text("attack returned: " .. name)
            if road.paths then error("boom after " .. name) end
        end
        local label = name == "" and "attack" or "attack " .. name
        buttons[#buttons + 1] = gz.Button(label, { on_click = run })
        if road.timer then
            buttons[#buttons + 1] = gz.Button(label .. " later", { on_click = function(event)
                gz.after(0, function() run(event) end)
            end })
        end
    end

    gz.Stack({
        gz.Html("<h3>" .. title .. "</h3>"),
        gz.Shelf(buttons),
        gz.Shelf({ ping, self.victim }),
        status,
        self.out,
    }):show()
    return self
end

return page
