-- Shared graphs for the JSON roads (a module, not a script). `graph(levels,
-- padding)` nests `levels` levels of a table whose two children are the same
-- table: small in memory, 2^levels leaves when encoded. With `padding`, each
-- level is an object that also holds that many functions, which the encoder
-- leaves out: each node then costs time to encode but adds few bytes, so
-- time, not memory, is what stops the encoder.
local print = print

return function(levels, padding)
    local t = {}
    for _ = 1, levels do
        if padding == 0 then
            t = { t, t }
        else
            local level = { a = t, b = t }
            for i = 1, padding do level["f" .. i] = print end
            t = level
        end
    end
    return t
end
