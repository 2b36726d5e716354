-- Show the environment this gizmo runs in: every variable with its value,
-- except that values of names that look secret (TOKEN, SECRET, PASSWORD, KEY)
-- are hidden.
local gz = require("gizmo")

local SECRET_WORDS = { "TOKEN", "SECRET", "PASSWORD", "KEY" }

local function looks_secret(name)
    local upper = name:upper()
    for _, word in ipairs(SECRET_WORDS) do
        if upper:find(word, 1, true) then return true end
    end
    return false
end

local names = {}
for name in pairs(gz.env) do names[#names + 1] = name end
table.sort(names)

local rows = {}
for _, name in ipairs(names) do
    local value = looks_secret(name) and "****" or gz.env[name]
    rows[#rows + 1] = gz.Shelf({
        gz.Text(name, { css = { ["font-weight"] = "bold", ["min-width"] = "14em" } }),
        gz.Text(value, { css = { ["word-break"] = "break-all" } }),
    })
end

gz.Stack({
    gz.Html("<h1>Hello environment</h1>"),
    gz.Stack(rows, { css = { gap = "0.25em" } }),
    "Goodbye.",
}):show()
