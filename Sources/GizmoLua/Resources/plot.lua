-- Plot: line and scatter charts drawn as SVG, the gizmo's stand-in for
-- matplotlib. Loaded on the first use of gz.Plot (see `gz_parts` in
-- gizmo.lua), so a session pays for it only when it makes a plot; `install`
-- at the bottom defines gz.Plot.
--
-- A plot keeps its data in Lua and redraws its whole SVG at the end of the
-- turn in which it changed, so a handler that clears, adds three series and
-- retitles sends one `html` command, not five.
--
-- Series that grow (`Plot:append`) are drawn by the page instead: the SVG
-- holds their place (an empty path), the page keeps their points, and a
-- turn that appends sends only the new points, in one `plot` command. The
-- axes are redrawn only when new points fall outside them (with room to
-- grow on that side), so a growing series costs its points, not the SVG.
-- Long series are reduced for drawing (first, lowest, highest and last
-- point of each slice of about a pixel), in Lua and in the page alike, so a
-- 200,000-point series draws as a few thousand segments.

local format, concat, gsub, match, find, sub = string.format, table.concat, string.gsub, string.match, string.find,
    string.sub
local floor, ceil, abs, log, max, min = math.floor, math.ceil, math.abs, math.log, math.max, math.min
local type, tostring, tonumber, ipairs, select, error, rawget, rawset =
    type, tostring, tonumber, ipairs, select, error, rawget, rawset
local utf8_len = utf8.len

local HUGE = math.huge

-- Series colours, cycling: matplotlib's "tab10" without its grey and brown,
-- which vanish on one of the light and dark page backgrounds.
local PALETTE = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
    "#9467bd", "#17becf", "#e377c2", "#bcbd22",
}

local DEFAULT_WIDTH, DEFAULT_HEIGHT = 480, 320
local DEFAULT_MAX_POINTS, MAX_POINTS = 100000, 1000000
-- Room to grow: when appended points leave the axes, the side they left by
-- gets this share of the span more, so a series that grows redraws its axes
-- a few times (each time a quarter further), not on every append.
local HEADROOM = 0.25
local TICK_FONT, LABEL_FONT, TITLE_FONT = 11, 12, 14
local TICK_LENGTH = 5

-- ---------------------------------------------------------------------------
-- Text

-- Escapes text for SVG content and attribute values (the script's strings
-- must never become markup): gizmo.lua's escape_html, given at install.
local escape

-- An estimate of a text's width in pixels: the SVG is built in Lua, where
-- nothing can measure glyphs; 0.6 em per character fits most Latin text in
-- the usual sans-serif fonts.
local function text_width(s, size)
    return (utf8_len(s) or #s) * size * 0.6
end

-- The same for a tick label: digits are 0.56 em in most sans-serif fonts,
-- "." and "-" about half that; a tighter guess allows more ticks.
local function number_width(s, size)
    local narrow = select(2, gsub(s, "[.%-]", ""))
    return ((#s - narrow) * 0.56 + narrow * 0.3) * size
end

-- ---------------------------------------------------------------------------
-- Ticks

-- Steps are m * 10^k for these m.
local MANTISSAS = { 1, 2, 2.5, 5 }

-- Tick i of the step m * 10^k. Dividing by an exact power of ten gives the
-- double nearest the decimal (3 / 10 is 0.3), where 3 * 0.1 would give
-- 0.30000000000000004 and put float noise into positions and labels.
local function tick_value(i, m, k)
    if k < 0 then return i * m / 10.0 ^ -k end
    return i * m * 10.0 ^ k
end

-- "2.50e+06" -> "2.5e6", "1.00e-05" -> "1e-5".
local function tidy_exponent(s)
    local mantissa, sign, digits = match(s, "^(.-)e([+-])(%d+)$")
    if not mantissa then return s end
    if find(mantissa, ".", 1, true) then
        mantissa = gsub((gsub(mantissa, "0+$", "")), "%.$", "")
    end
    return mantissa .. "e" .. (sign == "-" and "-" or "") .. tonumber(digits)
end

--- The labels of ticks i0..i1 of the step m * 10^k: one number of decimals
--- for the whole axis (enough for the step, none of the float noise), or
--- e-notation for very large or very small values.
---@return number[] values
---@return string[] labels
local function tick_labels(i0, i1, m, k)
    local extra = m == 2.5 and 1 or 0 -- 2.5 * 10^k needs one digit more than 10^k
    local big = max(abs(tick_value(i0, m, k)), abs(tick_value(i1, m, k)))
    local decimals = max(0, extra - k)
    local scientific = (big >= 1e6 and k >= 3) or (decimals >= 5 and big < 1e-2)
    local fixed = "%." .. decimals .. "f"
    local values, labels, n = {}, {}, 0
    for i = i0, i1 do
        local v = tick_value(i, m, k)
        local label
        if scientific then
            if v == 0 then
                label = "0"
            else
                local digits = max(0, floor(log(abs(v), 10) + 1e-9) - k + extra)
                label = tidy_exponent(format("%." .. digits .. "e", v))
            end
        else
            label = format(fixed, v)
            if find(label, "^%-[0.]+$") then label = sub(label, 2) end -- no "-0.0"
        end
        n = n + 1
        values[n], labels[n] = v, label
    end
    return values, labels
end

--- Chooses "nice" ticks (steps of 1, 2, 2.5 or 5 times a power of ten) for
--- the axis range lo..hi drawn over `pixels`: about 6 ticks, fewer when the
--- labels would not fit (`horizontal`: labels side by side, else stacked).
---@param lo number
---@param hi number
---@param pixels number
---@param horizontal boolean
---@return number[] values
---@return string[] labels
local function nice_ticks(lo, hi, pixels, horizontal)
    local span = hi - lo
    if not (span > 0 and span < HUGE) then return {}, {} end -- beyond doubles: no ticks rather than a hang
    local k0 = floor(log(span, 10)) - 1
    local best_score, best_i0, best_i1, best_m, best_k, best_values, best_labels = HUGE
    for k = k0 - 1, k0 + 1 do
        local scale = 10.0 ^ k
        for _, m in ipairs(MANTISSAS) do
            local step = m * scale
            -- The tolerance keeps a tick that float rounding puts a hair outside.
            local i0, i1 = ceil(lo / step - 1e-9), floor(hi / step + 1e-9)
            local n = i1 - i0 + 1
            if n >= 2 and n <= 12 then
                -- 5 to 8 ticks, 6 best; a 2.5 step reads less easily than 2 or 5.
                local outside = n < 5 and 5 - n or n > 8 and n - 8 or 0
                local score = outside * 10 + abs(n - 6) + (m == 2.5 and 1 or 0)
                -- Labels that do not fit score more than any that do: the
                -- least crowded wins (1000 - gap > 900, above every score that fits).
                if score < best_score or best_score >= 900 then
                    local gap = pixels * step / span
                    local values, labels
                    if horizontal then -- side by side: the widest label decides
                        values, labels = tick_labels(i0, i1, m, k)
                        local widest = 0
                        for _, label in ipairs(labels) do widest = max(widest, number_width(label, TICK_FONT)) end
                        if gap < widest + 10 then score = 1000 - gap end
                    elseif gap < TICK_FONT + 6 then -- stacked: the font size decides
                        score = 1000 - gap
                    end
                    if score < best_score then
                        best_score, best_i0, best_i1, best_m, best_k, best_values, best_labels =
                            score, i0, i1, m, k, values, labels
                    end
                end
            end
        end
    end
    if not best_i0 then return {}, {} end
    if not best_values then best_values, best_labels = tick_labels(best_i0, best_i1, best_m, best_k) end
    return best_values, best_labels
end

--- The axis range for data lo..hi (nil when there is none): 5% of margin on
--- each side so points do not sit on the frame; a constant series gets a
--- range around its value; no data gets 0..1.
---@param lo number|nil
---@param hi number|nil
---@return number lo
---@return number hi
local function axis_range(lo, hi)
    if lo == nil then return 0, 1 end
    local span = hi - lo
    -- A span at the limit of float precision would give ticks with equal labels.
    if not (span > max(abs(lo), abs(hi)) * 1e-12) or span < 1e-200 then
        local mid = lo / 2 + hi / 2
        local pad = abs(mid) * 0.1
        if not (pad >= 1e-200) then pad = 1 end -- zero (or a denormal)
        return mid - pad, mid + pad
    end
    local pad = span * 0.05
    return lo - pad, hi + pad
end

-- ---------------------------------------------------------------------------
-- Drawing

local function widest(labels, size)
    local w = 0
    for _, label in ipairs(labels) do w = max(w, number_width(label, size)) end
    return w
end

-- A number for an attribute: short, no exponent for sizes a script gives.
local function num(v)
    if v == floor(v) and abs(v) < 1e15 then return format("%d", v) end
    return format("%.2f", v)
end

-- ---------------------------------------------------------------------------
-- Reducing long series

--- The indices (first..last) worth drawing at about `buckets` slices: all of
--- them when there are few, else the first, lowest, highest and last point
--- of each slice, and its first gap (a nan or inf), in order. A line through
--- them looks like the line through all: each slice is about a pixel wide.
---@return integer[]|nil indices nil: all of them
local function reduce(xs, ys, first, last, buckets)
    local count = last - first + 1
    if count <= 4 * buckets then return nil end
    local kept, n = {}, 0
    local size = count / buckets
    for b = 0, buckets - 1 do
        local lo, hi = first + floor(b * size), first + floor((b + 1) * size) - 1
        local imin, imax, gap
        local ymin, ymax = HUGE, -HUGE
        for i = lo, hi do
            local x, y = xs[i], ys[i]
            if x - x == 0 and y - y == 0 then
                if y < ymin then ymin, imin = y, i end
                if y > ymax then ymax, imax = y, i end
            elseif not gap then
                gap = i
            end
        end
        -- In index order, each once (an insertion sort of at most five).
        local picks = { lo, imin or lo, imax or lo, hi, gap or hi }
        for k = 2, 5 do
            local v, j = picks[k], k - 1
            while j >= 1 and picks[j] > v do
                picks[j + 1] = picks[j]
                j = j - 1
            end
            picks[j + 1] = v
        end
        local previous = -1
        for k = 1, 5 do
            local i = picks[k]
            if i ~= previous then
                n = n + 1
                kept[n] = i
                previous = i
            end
        end
    end
    return kept
end

-- The series' path: one <path>, coordinates to 0.1 px; a non-finite x or y
-- lifts the pen, so the next point starts a new M.
local function line_path(s, ox, oy, xlo, ylo, sx, sy, buckets)
    local xs, ys = s.xs, s.ys
    local kept = reduce(xs, ys, s.first, s.last, buckets)
    local parts, n, pen = {}, 0, false
    for k = kept and 1 or s.first, kept and #kept or s.last do
        local i = kept and kept[k] or k
        local x, y = xs[i], ys[i]
        -- v - v is 0 for finite v and nan for nan and +-inf.
        if x - x == 0 and y - y == 0 then
            n = n + 1
            parts[n] = format(pen and "L%.1f %.1f" or "M%.1f %.1f", ox + (x - xlo) * sx, oy - (y - ylo) * sy)
            pen = true
        else
            pen = false
        end
    end
    return concat(parts, "", 1, n)
end

-- One circle per point; a long series gets one per pixel, since more
-- would draw over each other.
local function scatter_circles(s, ox, oy, xlo, ylo, sx, sy, buckets)
    local xs, ys = s.xs, s.ys
    local circle = '<circle cx="%.1f" cy="%.1f" r="' .. num(s.size) .. '"/>'
    local parts, n = {}, 0
    local seen = (s.last - s.first + 1) > 4 * buckets and {} or nil
    for i = s.first, s.last do
        local x, y = xs[i], ys[i]
        if x - x == 0 and y - y == 0 then
            local px, py = ox + (x - xlo) * sx, oy - (y - ylo) * sy
            local cell = seen and (floor(px) * 65536 + floor(py))
            if not (seen and seen[cell]) then
                if seen then seen[cell] = true end
                n = n + 1
                parts[n] = format(circle, px, py)
            end
        end
    end
    return concat(parts, "", 1, n)
end

--- The data's extent, over finite points only (kept per series as added).
---@return number|nil xlo nil when there is no finite point
local function extent(series)
    local dxlo, dxhi, dylo, dyhi
    for _, s in ipairs(series) do
        if s.xmin then
            if dxlo == nil or s.xmin < dxlo then dxlo = s.xmin end
            if dxhi == nil or s.xmax > dxhi then dxhi = s.xmax end
            if dylo == nil or s.ymin < dylo then dylo = s.ymin end
            if dyhi == nil or s.ymax > dyhi then dyhi = s.ymax end
        end
    end
    return dxlo, dxhi, dylo, dyhi
end

--- Builds the plot's whole SVG, with the axes of `view` (x and y ranges)
--- when given, else fitted to the data. Appended series get an empty
--- element for the page to draw into.
---@param st gz.PlotState
---@param view? number[] {xlo, xhi, ylo, yhi}
---@return string svg
---@return number[] frame where data goes: {ox, oy, xlo, ylo, sx, sy, pw} (x px = ox + (x - xlo) * sx, y px = oy - (y - ylo) * sy)
local function svg_of(st, view)
    local W, H = st.width, st.height
    local series = st.series

    local xlo, xhi, ylo, yhi
    if view then
        xlo, xhi, ylo, yhi = view[1], view[2], view[3], view[4]
    else
        local dxlo, dxhi, dylo, dyhi = extent(series)
        xlo, xhi = axis_range(dxlo, dxhi)
        ylo, yhi = axis_range(dylo, dyhi)
    end

    -- Layout. The y ticks depend only on the height, the left margin on their
    -- labels' width, and the x ticks on the width that is left.
    local title, xlabel, ylabel = st.title, st.xlabel, st.ylabel
    local top = title and 34 or 14
    local bottom = TICK_LENGTH + 4 + TICK_FONT + 8 + (xlabel and LABEL_FONT + 8 or 0)
    local ph = max(H - top - bottom, 10)
    local yvalues, ylabels = nice_ticks(ylo, yhi, ph, false)
    local left = 8 + (ylabel and LABEL_FONT + 8 or 0) + widest(ylabels, TICK_FONT) + TICK_LENGTH + 4
    local right = 16
    local pw = max(W - left - right, 10)
    local xvalues, xlabels = nice_ticks(xlo, xhi, pw, true)

    local ox, oy = left, top + ph -- the plot area's bottom-left corner
    local sx, sy = pw / (xhi - xlo), ph / (yhi - ylo)
    local plot_right = left + pw

    local out, n = {}, 0
    local function put(s)
        n = n + 1
        out[n] = s
    end

    put(format('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %s %s" width="%s" height="%s" role="img" aria-label="%s" font-size="%d">',
        num(W), num(H), num(W), num(H), escape(title or "plot"), TICK_FONT))

    -- Grid, frame and tick marks in the page's text colour (currentColor), so
    -- they follow a light or dark page.
    local grid, marks, g, t = {}, {}, 0, 0
    for _, v in ipairs(xvalues) do
        local x = ox + (v - xlo) * sx
        g, t = g + 1, t + 1
        grid[g] = format("M%.1f %.1fV%.1f", x, top, oy)
        marks[t] = format("M%.1f %.1fv%d", x, oy, TICK_LENGTH)
    end
    for _, v in ipairs(yvalues) do
        local y = oy - (v - ylo) * sy
        g, t = g + 1, t + 1
        grid[g] = format("M%.1f %.1fH%.1f", ox, y, plot_right)
        marks[t] = format("M%.1f %.1fh%d", ox, y, -TICK_LENGTH)
    end
    put('<g class="gz-plot-axis" fill="none" stroke="currentColor" shape-rendering="crispEdges">')
    if g > 0 then put(format('<path class="gz-plot-grid" stroke-opacity="0.12" d="%s"/>', concat(grid))) end
    put(format('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" stroke-opacity="0.6"/>', ox, top, pw, ph))
    if t > 0 then put(format('<path stroke-opacity="0.6" d="%s"/>', concat(marks))) end
    put("</g>")

    -- Tick labels: numbers made here, nothing to escape.
    put('<g class="gz-plot-axis" fill="currentColor" text-anchor="middle">')
    local label_y = oy + TICK_LENGTH + 4 + TICK_FONT
    for i, v in ipairs(xvalues) do
        put(format('<text x="%.1f" y="%.1f">%s</text>', ox + (v - xlo) * sx, label_y, xlabels[i]))
    end
    put('</g><g class="gz-plot-axis" fill="currentColor" text-anchor="end">')
    local label_x = ox - TICK_LENGTH - 4
    for i, v in ipairs(yvalues) do
        put(format('<text x="%.1f" y="%.1f" dy="0.32em">%s</text>', label_x, oy - (v - ylo) * sy, ylabels[i]))
    end
    put("</g>")

    if xlabel then
        put(format('<text class="gz-plot-axis gz-plot-xlabel" x="%.1f" y="%.1f" text-anchor="middle" font-size="%d" fill="currentColor">%s</text>',
            ox + pw / 2, H - 8, LABEL_FONT, escape(xlabel)))
    end
    if ylabel then
        local x, y = 8 + LABEL_FONT, top + ph / 2
        put(format('<text class="gz-plot-axis gz-plot-ylabel" x="%.1f" y="%.1f" transform="rotate(-90 %.1f %.1f)" text-anchor="middle" font-size="%d" fill="currentColor">%s</text>',
            x, y, x, y, LABEL_FONT, escape(ylabel)))
    end
    if title then
        put(format('<text class="gz-plot-title" x="%.1f" y="%d" text-anchor="middle" font-size="%d" font-weight="600" fill="currentColor">%s</text>',
            ox + pw / 2, 22, TITLE_FONT, escape(title)))
    end

    -- The series, in the order they were added (later ones on top).
    local labelled = {}
    local buckets = max(floor(pw), 1)
    for _, s in ipairs(series) do
        local color = escape(s.color)
        if s.live then
            if s.kind == "line" then
                put(format('<path class="gz-plot-series gz-plot-live" data-gz-series="%d" fill="none" stroke="%s" stroke-width="%s" stroke-linejoin="round" stroke-linecap="round" d=""/>',
                    s.id, color, num(s.width)))
            else
                put(format('<g class="gz-plot-series gz-plot-live" data-gz-series="%d" data-gz-r="%s" fill="%s"></g>',
                    s.id, num(s.size), color))
            end
        elseif s.kind == "line" then
            local d = line_path(s, ox, oy, xlo, ylo, sx, sy, buckets)
            if d ~= "" then
                put(format('<path class="gz-plot-series" fill="none" stroke="%s" stroke-width="%s" stroke-linejoin="round" stroke-linecap="round" d="%s"/>',
                    color, num(s.width), d))
            end
        else
            put(format('<g class="gz-plot-series" fill="%s">', color))
            put(scatter_circles(s, ox, oy, xlo, ylo, sx, sy, buckets))
            put("</g>")
        end
        if s.label then labelled[#labelled + 1] = s end
    end

    -- The legend: top right inside the plot area, over the series, on the
    -- page's background colour so lines behind it do not cross its text.
    if #labelled > 0 then
        local row, swatch = 16, 20
        local text_w = 0
        for _, s in ipairs(labelled) do text_w = max(text_w, text_width(s.label, TICK_FONT)) end
        local bw, bh = 8 + swatch + 6 + text_w + 8, #labelled * row + 8
        local bx, by = plot_right - 8 - bw, top + 8
        put('<g class="gz-plot-legend">')
        put(format('<rect x="%.1f" y="%.1f" width="%.1f" height="%d" rx="3" style="fill:var(--gz-bg,Canvas)" fill-opacity="0.85" stroke="currentColor" stroke-opacity="0.3"/>',
            bx, by, bw, bh))
        for i, s in ipairs(labelled) do
            local y = by + 4 + (i - 0.5) * row
            local color = escape(s.color)
            if s.kind == "line" then
                put(format('<path d="M%.1f %.1fh%d" stroke="%s" stroke-width="%s" stroke-linecap="round"/>',
                    bx + 8, y, swatch, color, num(s.width)))
            else
                put(format('<circle cx="%.1f" cy="%.1f" r="%s" fill="%s"/>',
                    bx + 8 + swatch / 2, y, num(min(max(s.size, 2), 6)), color))
            end
            put(format('<text x="%.1f" y="%.1f" dy="0.32em" fill="currentColor">%s</text>',
                bx + 8 + swatch + 6, y, escape(s.label)))
        end
        put("</g>")
    end

    put("</svg>")
    return concat(out, "", 1, n), { ox, oy, xlo, ylo, sx, sy, pw }
end

-- ---------------------------------------------------------------------------
-- The component

--- What a plot draws; kept in the component's `_plot` field (a name that no
--- method uses, since the component's own fields shadow its methods).
---@class gz.PlotState
---@field width number
---@field height number
---@field title string|nil
---@field xlabel string|nil
---@field ylabel string|nil
---@field series table[] each: kind, xs and ys indexed first..last, live (drawn by the page), sent (the last point the pages have)
---@field max_points integer the points an appended series keeps
---@field view number[]|nil the axes' ranges while the plot has appended series
---@field frame number[]|nil where data goes in the SVG drawn last (svg_of's second result)
---@field dirty boolean something but appended points changed since the last drawing
---@field redraw fun()

--- gz.Plot's options. Not gz.Options: `title` is the plot's, not a tooltip.
---@class gz.PlotOptions
---@field width? number the SVG's width in px (default 480); it shrinks to fit a narrow page
---@field height? number default 320
---@field title? any the title above the plot; nil or "" for none
---@field xlabel? any the label under the x axis
---@field ylabel? any the label beside the y axis
---@field max_points? integer the points each appended series keeps, the oldest dropped first (default 100,000, at most 1,000,000)
---@field css? table<string, string|number|false>
---@field class? string

---@class gz.SeriesOptions
---@field label? string|number the series' name in the legend; none without it
---@field color? string any CSS colour (default: the next of the palette)

---@class gz.LineOptions: gz.SeriesOptions
---@field width? number the line's width in px (default 2)

---@class gz.ScatterOptions: gz.SeriesOptions
---@field size? number the dots' radius in px (default 3)

-- "Plot: argument #1 field 'width' must be a positive number, not -3", raised
-- `level` frames above the caller (as error() counts).
local function field_error(fname, n, key, what, value, level)
    local got = type(value) == "number" and find(what, "number", 1, true) and tostring(value) or type(value)
    error(format("%s: argument #%d field '%s' must be %s, not %s", fname, n, key, what, got), level + 1)
end

-- Text options and arguments: any value but nil prints as tostring would (as
-- gz.Text does); nil or "" means none.
local function optional_text(value)
    if value == nil then return nil end
    value = tostring(value)
    if value == "" then return nil end
    return value
end

--- Defines gz.Plot.
---@param gz table the gizmo module
---@param runtime table the runtime's modules (runtime.lua)
---@return table internals the pure parts, for tests; the runtime ignores it
local function install(gz, runtime)
    local components = runtime.components
    escape = components.escape_html
    local check_type, at_end_of_turn, is_component, new_component =
        components.check_type, runtime.scheduler.at_end_of_turn, components.is_component, components.new_component
    local mounted, emit, array, live = components.mounted, runtime.page.emit, components.array, components.live

    --- A plot: gz.Plot's component, with these methods besides every
    --- component's. Each returns the plot, so calls chain.
    ---@class gz.Plot: gz.Component
    local Plot = {}

    -- The state of a plot, or an error when the method was called with a dot
    -- or on another component; `level` counts as check_type's does (default
    -- 2: the script, when a method it called calls state_of).
    local function state_of(self, fname, level)
        local st = is_component(self) and rawget(self, "_plot")
        if not st then
            error(format("%s: call it as a method of a plot (plot:%s(...))", fname, fname), (level or 2) + 1)
        end
        return st
    end

    local function changed(plot, st, points_only)
        if not points_only then st.dirty = true end
        at_end_of_turn(plot, st.redraw)
    end

    -- Widens a series' extent to its finite points from..to.
    local function widen(s, from, to)
        local xs, ys = s.xs, s.ys
        local xmin, xmax, ymin, ymax = s.xmin or HUGE, s.xmax or -HUGE, s.ymin or HUGE, s.ymax or -HUGE
        for i = from, to do
            local x, y = xs[i], ys[i]
            if x - x == 0 and y - y == 0 then
                if x < xmin then xmin = x end
                if x > xmax then xmax = x end
                if y < ymin then ymin = y end
                if y > ymax then ymax = y end
            end
        end
        if xmin <= xmax then s.xmin, s.xmax, s.ymin, s.ymax = xmin, xmax, ymin, ymax end
    end

    -- The extent of a series' finite points, from scratch (a new series, or
    -- after points were dropped).
    local function measure(s)
        s.xmin, s.xmax, s.ymin, s.ymax = nil, nil, nil, nil
        widen(s, s.first, s.last)
        s.dropped = 0
    end

    -- Points first..last of a series for the page: all of them, numbered
    -- from `seq`, or, when there are many, the ones reduce keeps, each with
    -- its number.
    local function points(s, first, last, buckets)
        local xs, ys = s.xs, s.ys
        local kept = reduce(xs, ys, first, last, buckets)
        local px, py = {}, {}
        if not kept then
            local n = 0
            for i = first, last do
                n = n + 1
                px[n], py[n] = xs[i], ys[i]
            end
            return { s = s.id, first = s.first, seq = first, x = array(px), y = array(py) }
        end
        local seqs = {}
        for k = 1, #kept do
            local i = kept[k]
            px[k], py[k], seqs[k] = xs[i], ys[i], i
        end
        return { s = s.id, first = s.first, seqs = array(seqs), x = array(px), y = array(py) }
    end

    local function buckets_of(st)
        return max(floor(st.frame and st.frame[7] or st.width), 1)
    end

    -- The axes for appended series: the data's, and, on each side where the
    -- data left the previous axes, room to grow.
    local function fit_view(st, xlo, xhi, ylo, yhi)
        local ax0, ax1 = axis_range(xlo, xhi)
        local ay0, ay1 = axis_range(ylo, yhi)
        local old = st.view
        if old and xlo then
            local xspan, yspan = ax1 - ax0, ay1 - ay0
            if xlo < old[1] then ax0 = ax0 - xspan * HEADROOM end
            if xhi > old[2] then ax1 = ax1 + xspan * HEADROOM end
            if ylo < old[3] then ay0 = ay0 - yspan * HEADROOM end
            if yhi > old[4] then ay1 = ay1 + yspan * HEADROOM end
        end
        return { ax0, ax1, ay0, ay1 }
    end

    -- Whether the axes must be drawn again for data xlo..yhi: it left them,
    -- or the axes fitted to it now would be less than a third as wide (its
    -- oldest points were dropped).
    local function view_stale(view, xlo, xhi, ylo, yhi)
        if not xlo then return false end
        if xlo < view[1] or xhi > view[2] or ylo < view[3] or yhi > view[4] then return true end
        local x0, x1 = axis_range(xlo, xhi)
        local y0, y1 = axis_range(ylo, yhi)
        return (x1 - x0) < (view[2] - view[1]) / 3 or (y1 - y0) < (view[4] - view[3]) / 3
    end

    -- The end of a turn that changed the plot. Without appended series, the
    -- whole SVG as ever (an `html` command). With them, one `plot` command:
    -- the SVG only when the axes or anything but points changed, and the new
    -- points of each appended series.
    local function redraw(plot, st)
        local any_live = false
        for _, s in ipairs(st.series) do
            if s.live then
                any_live = true
                -- Dropped points may have held the extent: measure again once
                -- an eighth has gone, not on every drop.
                if s.dropped > 0 and s.dropped * 8 >= s.last - s.first + 1 then measure(s) end
            end
        end
        if not any_live then
            st.view, st.frame, st.dirty = nil, nil, false
            plot:html((svg_of(st)))
            return
        end
        local xlo, xhi, ylo, yhi = extent(st.series)
        local svg, frame
        if st.dirty or not st.view or view_stale(st.view, xlo, xhi, ylo, yhi) then
            st.view = fit_view(st, xlo, xhi, ylo, yhi)
            svg, frame = svg_of(st, st.view)
            st.frame = frame
            rawset(plot, "_html", svg)
        end
        if mounted(plot) then
            local adds, ids = {}, {}
            local buckets = buckets_of(st)
            for _, s in ipairs(st.series) do
                if s.live then
                    ids[#ids + 1] = s.id
                    local from = max(s.sent + 1, s.first)
                    if from <= s.last then adds[#adds + 1] = points(s, from, s.last, buckets) end
                end
            end
            emit({ op = "plot", id = plot.id, svg = svg, frame = frame, series = svg and array(ids) or nil,
                add = array(adds) })
        end
        for _, s in ipairs(st.series) do s.sent = s.last end
        st.dirty = false
    end

    -- What a page that joins gets: every appended series' kept points
    -- (reduced when long, and kept reduced until they change).
    local function plot_node(plot)
        local st = rawget(plot, "_plot")
        local ids, adds = {}, {}
        local buckets = buckets_of(st)
        for _, s in ipairs(st.series) do
            if s.live then
                ids[#ids + 1] = s.id
                local cache = s.node_cache
                if not (cache and cache.first == s.first and cache.last == s.last) then
                    cache = { first = s.first, last = s.last, points = points(s, s.first, s.last, buckets) }
                    s.node_cache = cache
                end
                adds[#adds + 1] = cache.points
            end
        end
        if #ids == 0 then return nil end
        return { kind = "plot", frame = st.frame, series = array(ids), add = array(adds) }
    end

    -- Copies a script's list of numbers as floats (integers near the limits
    -- would wrap in the subtractions of drawing), or returns nil and a message.
    local function numbers(list, fname, n)
        local count = #list
        local copy = {}
        for i = 1, count do
            local v = list[i]
            if type(v) ~= "number" then
                return nil, format("%s: argument #%d must hold only numbers (item %d is %s%s)", fname, n, i,
                    v == nil and "nil" or "a " .. type(v), v == nil and "; use 0/0 for a gap" or "")
            end
            copy[i] = v + 0.0
        end
        return copy, count
    end

    -- Validates and records a series; errors point at the script's line
    -- (three levels up: here, the method, its caller).
    local function add_series(plot, st, kind, xs, ys, opts)
        check_type(xs, "table", kind, 1, false, 3)
        check_type(ys, "table", kind, 2, false, 3)
        check_type(opts, "table", kind, 3, true, 3)
        local xcopy, nx = numbers(xs, kind, 1)
        if not xcopy then error(nx, 3) end
        local ycopy, ny = numbers(ys, kind, 2)
        if not ycopy then error(ny, 3) end
        if nx ~= ny then
            error(format("%s: argument #2 must have as many values as argument #1 (%d and %d)", kind, nx, ny), 3)
        end
        opts = opts or {}
        local label = opts.label
        if label ~= nil and type(label) ~= "string" and type(label) ~= "number" then
            field_error(kind, 3, "label", "a string", label, 3)
        end
        local color = opts.color
        if color ~= nil and type(color) ~= "string" then field_error(kind, 3, "color", "a string", color, 3) end
        local size_key = kind == "line" and "width" or "size"
        local size = opts[size_key]
        if size ~= nil and not (type(size) == "number" and size >= 0 and size < HUGE) then
            field_error(kind, 3, size_key, "a number >= 0", size, 3)
        end

        st.next_id = st.next_id + 1
        local s = {
            id = st.next_id, kind = kind, xs = xcopy, ys = ycopy, first = 1, last = nx, sent = 0, dropped = 0,
            label = optional_text(label),
            color = color or PALETTE[#st.series % #PALETTE + 1],
            width = kind == "line" and (size or 2) or nil,
            size = kind == "scatter" and (size or 3) or nil,
        }
        measure(s) -- the extent, once here rather than at each redraw
        st.series[#st.series + 1] = s
        changed(plot, st)
    end

    --- Adds a line through the points (xs[i], ys[i]); a nan or inf leaves a gap.
    ---@param xs number[]
    ---@param ys number[] as many values as xs
    ---@param opts? gz.LineOptions
    ---@return gz.Plot self
    function Plot:line(xs, ys, opts)
        add_series(self, state_of(self, "line"), "line", xs, ys, opts)
        return self
    end

    --- Adds a dot at each point (xs[i], ys[i]); points with a nan or inf are skipped.
    ---@param xs number[]
    ---@param ys number[] as many values as xs
    ---@param opts? gz.ScatterOptions
    ---@return gz.Plot self
    function Plot:scatter(xs, ys, opts)
        add_series(self, state_of(self, "scatter"), "scatter", xs, ys, opts)
        return self
    end

    --- Adds points at the end of the series labelled `label` (a new line
    --- when there is none), which then keeps its last `max_points`. Only the
    --- new points travel to the pages: append often, a few points at a time.
    ---@param label string|number the series' name in the legend
    ---@param xs number|number[] one x or a list
    ---@param ys number|number[] one y or a list, as many as xs
    ---@return gz.Plot self
    function Plot:append(label, xs, ys)
        local st = state_of(self, "append")
        if type(label) ~= "string" and type(label) ~= "number" then
            error(format("append: argument #1 must be the series' label (a string), not %s", type(label)), 2)
        end
        label = tostring(label)
        if type(xs) == "number" then xs = { xs } end
        if type(ys) == "number" then ys = { ys } end
        check_type(xs, "table", "append", 2)
        check_type(ys, "table", "append", 3)
        local xcopy, nx = numbers(xs, "append", 2)
        if not xcopy then error(nx, 2) end
        local ycopy, ny = numbers(ys, "append", 3)
        if not ycopy then error(ny, 2) end
        if nx ~= ny then
            error(format("append: argument #3 must have as many values as argument #2 (%d and %d)", nx, ny), 2)
        end
        local s
        for i = #st.series, 1, -1 do
            if st.series[i].label == label then
                s = st.series[i]
                break
            end
        end
        if not s then
            st.next_id = st.next_id + 1
            s = { id = st.next_id, kind = "line", xs = {}, ys = {}, first = 1, last = 0, sent = 0, dropped = 0,
                label = label, color = PALETTE[#st.series % #PALETTE + 1], width = 2, live = true }
            st.series[#st.series + 1] = s
            changed(self, st)
        elseif not s.live then
            s.live, s.sent = true, 0 -- the pages have its points only as drawn in the SVG
            changed(self, st)
        end
        local sxs, sys, keep = s.xs, s.ys, st.max_points
        local first, last = s.first, s.last
        local from = last + 1
        for i = 1, nx do
            last = last + 1
            sxs[last], sys[last] = xcopy[i], ycopy[i]
            if last - first >= keep then
                sxs[first], sys[first] = nil, nil
                first = first + 1
                s.dropped = s.dropped + 1
            end
        end
        s.first, s.last = first, last
        -- The points dropped on the way stay in the extent until the next
        -- measure (redraw): a little wide, never too narrow.
        widen(s, max(from, first), last)
        changed(self, st, true)
        return self
    end

    --- Removes every series (the title and axis labels stay); colours start
    --- again from the first, so a plot redrawn from scratch keeps its colours.
    ---@return gz.Plot self
    function Plot:clear()
        local st = state_of(self, "clear")
        st.series = {}
        changed(self, st)
        return self
    end

    local function set_text(self, key, text)
        local st = state_of(self, key, 3)
        st[key] = optional_text(text)
        changed(self, st)
    end

    --- Sets the title above the plot; nil or "" removes it.
    ---@param text any
    ---@return gz.Plot self
    function Plot:title(text)
        set_text(self, "title", text)
        return self
    end

    --- Sets the label under the x axis; nil or "" removes it.
    ---@param text any
    ---@return gz.Plot self
    function Plot:xlabel(text)
        set_text(self, "xlabel", text)
        return self
    end

    --- Sets the label beside the y axis; nil or "" removes it.
    ---@param text any
    ---@return gz.Plot self
    function Plot:ylabel(text)
        set_text(self, "ylabel", text)
        return self
    end

    local function max_points(opts)
        local v = opts.max_points
        if v == nil then return DEFAULT_MAX_POINTS end
        if not (type(v) == "number" and v == floor(v) and v >= 1 and v <= MAX_POINTS) then
            field_error("Plot", 1, "max_points", format("a whole number from 1 to %d", MAX_POINTS), v, 3)
        end
        return floor(v)
    end

    local function positive(opts, key, default)
        local v = opts[key]
        if v == nil then return default end
        if not (type(v) == "number" and v > 0 and v < HUGE) then
            field_error("Plot", 1, key, "a positive number", v, 3) -- here, gz.Plot, the script
        end
        return v
    end

    -- Its own options (components.check_options).
    local plot_options = { width = true, height = true, title = true, xlabel = true, ylabel = true,
        max_points = true }
    --- A chart of line and scatter series drawn as SVG:
    --- `gz.Plot{title = "t", xlabel = "x", ylabel = "y"}:line(xs, ys, {label = "sin"})`.
    ---@param opts? gz.PlotOptions
    ---@return gz.Plot
    function gz.Plot(opts)
        check_type(opts, "table", "Plot", 1, true)
        local component_opts
        if opts then
            components.check_options(opts, "Plot", plot_options, 2)
            if opts.css ~= nil and type(opts.css) ~= "table" then
                field_error("Plot", 1, "css", "a table", opts.css, 2)
            end
            if opts.class ~= nil and type(opts.class) ~= "string" then
                field_error("Plot", 1, "class", "a string", opts.class, 2)
            end
            -- Not `title`: new_component would make it the tooltip.
            component_opts = { css = opts.css, class = opts.class }
        end
        local plot = new_component("div", "gz-plot", component_opts, "Plot")
        local st = {
            width = positive(opts or {}, "width", DEFAULT_WIDTH),
            height = positive(opts or {}, "height", DEFAULT_HEIGHT),
            title = opts and optional_text(opts.title),
            xlabel = opts and optional_text(opts.xlabel),
            ylabel = opts and optional_text(opts.ylabel),
            series = {},
            max_points = max_points(opts or {}),
            next_id = 0,
            dirty = true,
        }
        -- The finisher runs with no arguments, so it closes over the plot.
        st.redraw = function() redraw(plot, st) end
        plot._plot = st
        plot._methods = Plot
        live[plot] = plot_node
        changed(plot, st) -- an empty plot shows its axes
        return plot
    end

    return { nice_ticks = nice_ticks, axis_range = axis_range, svg_of = svg_of, escape = escape, reduce = reduce }
end

-- gizmo.lua's loader calls this chunk, then the function it returns with (gz, runtime).
return install
