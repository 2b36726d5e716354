-- Show the environment this gizmo runs in: the variables of a short list
-- (GIZMO_*, HOME, USER, LANG, LC_*, PATH, PWD, SHELL, TERM, TZ, HOSTNAME) with
-- their values, those whose names look secret (TOKEN, SECRET, PASSWORD, KEY)
-- hidden. No other variable is shown: a server's environment holds passwords
-- under names nobody can guess (DATABASE_URL).
local gz = require("gizmo")

local SHOWN_NAMES = {
    HOME = true, USER = true, LANG = true, PATH = true, PWD = true,
    SHELL = true, TERM = true, TZ = true, HOSTNAME = true,
}
local SHOWN_PREFIXES = { "GIZMO_", "LC_" }
local SECRET_WORDS = { "TOKEN", "SECRET", "PASSWORD", "KEY" }

local function is_shown(name)
    if SHOWN_NAMES[name] then return true end
    for _, prefix in ipairs(SHOWN_PREFIXES) do
        if name:sub(1, #prefix) == prefix then return true end
    end
    return false
end

local function looks_secret(name)
    local upper = name:upper()
    for _, word in ipairs(SECRET_WORDS) do
        if upper:find(word, 1, true) then return true end
    end
    return false
end

local names = {}
for name in pairs(gz.env) do
    if is_shown(name) then names[#names + 1] = name end
end
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
