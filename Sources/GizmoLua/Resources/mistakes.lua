-- Friendlier mistakes: what the library says when a script names something
-- it does not have (`gz.Buton`, an option `on_clik`), with the nearest name
-- it does have. Loaded on the first such mistake (gizmo.lua's load_part), so
-- a session that makes none holds none of this; every check that calls it
-- (gizmo.lua's index of gz, components.check_options) is a table lookup.

local type, tostring, next, error = type, tostring, next, error
local format, lower, byte, sub = string.format, string.lower, string.byte, string.sub
local sort, concat = table.sort, table.concat

-- Names longer than this are shown cut and get no suggestion: the name comes
-- from the script, and a distance costs the product of the two lengths.
local MAX_NAME = 64

-- The edit distance (insertions, deletions, substitutions) between a and b,
-- compared without case: `gz.button` is one step from nothing but
-- gz.Button's case.
local function distance(a, b)
    a, b = lower(a), lower(b)
    local previous, current = {}, {}
    for j = 0, #b do previous[j] = j end
    for i = 1, #a do
        current[0] = i
        local ca = byte(a, i)
        for j = 1, #b do
            local cost = ca == byte(b, j) and 0 or 1
            local best = previous[j - 1] + cost
            if previous[j] + 1 < best then best = previous[j] + 1 end
            if current[j - 1] + 1 < best then best = current[j - 1] + 1 end
            current[j] = best
        end
        previous, current = current, previous
    end
    return previous[#b]
end

-- What a script wrote, fit for one line of an error: a string as written
-- (cut when long), anything else in brackets (`[1]`, as `t[1]` reads).
local function shown(key)
    if type(key) ~= "string" then return "[" .. tostring(key) .. "]" end
    if #key > MAX_NAME then return sub(key, 1, MAX_NAME) .. "..." end
    return key
end

local mistakes = {}

--- The name in `names` (a table whose keys are names) nearest to `wrong`, or
--- nil when none is near enough to be a likely slip: a third of the name's
--- length (at least 1, at most 3) edits away. Ties go to the first in sort order.
---@param wrong any
---@param names table<string, any>
---@return string|nil
function mistakes.nearest(wrong, names)
    if type(wrong) ~= "string" or #wrong > MAX_NAME or #wrong == 0 then return nil end
    local limit = #wrong // 3
    if limit < 1 then limit = 1 elseif limit > 3 then limit = 3 end
    local best, best_distance
    for name in next, names do
        if type(name) == "string" and name ~= wrong and #name <= MAX_NAME
            and (#name - #wrong <= limit and #wrong - #name <= limit) then
            local d = distance(wrong, name)
            if d <= limit and (best_distance == nil or d < best_distance or (d == best_distance and name < best)) then
                best, best_distance = name, d
            end
        end
    end
    return best
end

-- The names of the tables in `sets`, sorted, joined with ", ".
local function listed(sets)
    local seen, names = {}, {}
    for _, set in next, sets do
        for name in next, set do
            if type(name) == "string" and not seen[name] then
                seen[name] = true
                names[#names + 1] = name
            end
        end
    end
    sort(names)
    return concat(names, ", ")
end

--- Raises "gz.Buton is not part of the library; did you mean gz.Button?" at
--- `level` (as error() counts, from the caller of unknown_name).
---@param key any what the script read from gz
---@param names table[] tables whose keys are the library's names
---@param level integer
function mistakes.unknown_name(key, names, level)
    local all = {}
    for _, set in next, names do
        for name in next, set do all[name] = true end
    end
    local near = mistakes.nearest(key, all)
    local what = type(key) == "string" and "gz." .. shown(key) or "gz" .. shown(key)
    if near then
        error(format("%s is not part of the library; did you mean gz.%s?", what, near), level + 1)
    end
    error(format("%s is not part of the library (docs/lua-api.md lists what is)", what), level + 1)
end

--- Raises "Button: unknown option on_clik (did you mean on_click?); options:
--- class, css, enabled, on_click, title" at `level` (as error() counts, from
--- the caller of unknown_option).
---@param fname string the constructor
---@param key any the option the script gave
---@param sets table[] tables whose keys are the options fname takes
---@param level integer
function mistakes.unknown_option(fname, key, sets, level)
    local all = {}
    for _, set in next, sets do
        for name in next, set do all[name] = true end
    end
    local near = mistakes.nearest(key, all)
    error(format("%s: unknown option %s%s; options: %s", fname, shown(key),
        near and format(" (did you mean %s?)", near) or "", listed(sets)), level + 1)
end

-- gizmo.lua's loader calls this chunk, then the function it returns with (gz, runtime).
return function() return mistakes end
