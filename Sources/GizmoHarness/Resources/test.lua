-- gizmo.test: the library a gizmo's tests (`*_test.lua`) use under
-- `gizmolua test` (docs/testing.md). It runs in a Lua state of its own, not
-- a gizmo's sandbox; pages, sessions, the clock and scripted programs live
-- in the harness (GizmoHarness), reached through `host`.
--
-- Every function that can fail raises at the test's line (level 2 or 3),
-- so a failure names the line of the test file that asked.

local host, chunk_name = ...

local type, error, pairs, tostring, select = type, error, pairs, tostring, select
local format, find, concat = string.format, string.find, table.concat
local encode, decode, null = host.json_encode, host.json_decode, host.json_null

---@class gizmo.test
local t = {}
local tests = {}

local function check(value, kind, name, n, level)
    if type(value) ~= kind then
        error(format("%s: argument #%d must be a %s, not %s", name, n, kind, type(value)), (level or 2) + 1)
    end
end

local function json(value, what)
    local text, problem = encode(value)
    if not text then error(what .. ": " .. tostring(problem), 3) end
    return text
end

local function raise_if(message, level)
    if message then error(message, (level or 1) + 1) end
end

--- Declares a test: `fn` runs with a fresh world (sessions, stores, clock).
---@param name string what the test shows
---@param fn fun()
function t.test(name, fn)
    check(name, "string", "t.test", 1)
    check(fn, "function", "t.test", 2)
    tests[#tests + 1] = { name = name, fn = fn }
end

-- Components ---------------------------------------------------------------

---@class gizmo.test.Component
local Component = {}
Component.__index = Component

local function component_call(self, op, argument)
    local answer, message = host.component(self.page.number, self.query, op, argument)
    raise_if(message, 3)
    return answer
end

--- Clicks it, as a person would.
function Component:click() component_call(self, "click"); return self end
--- Replaces its text with `text`, as a person selecting all and typing.
function Component:type(text) check(text, "string", "type", 1); component_call(self, "type", text); return self end
--- Chooses an option (a dropdown's value or label, a radio button's, a checkbox's true/false).
function Component:choose(value) component_call(self, "choose", tostring(value)); return self end
--- Moves a slider to `value`.
function Component:set(value) check(value, "number", "set", 1); component_call(self, "set", value); return self end
--- Its visible text.
function Component:text() return component_call(self, "text") end
--- The value of an input, text area or dropdown.
function Component:value() return component_call(self, "value") end
--- Whether a checkbox or radio button is checked.
function Component:checked() return component_call(self, "checked") end
function Component:enabled() return component_call(self, "enabled") end
function Component:visible() return component_call(self, "visible") end

-- Pages ----------------------------------------------------------------------

---@class gizmo.test.Page
local Page = {}
Page.__index = Page

local QUERY_KEYS = { text = "string", label = "string", placeholder = "string", role = "string", nth = "number" }

local function query_of(q, name)
    if type(q) == "string" then q = { text = q } end
    check(q, "table", name, 1, 3)
    local any = false
    for k, v in pairs(q) do
        local kind = QUERY_KEYS[k]
        if not kind then
            error(format("%s: unknown field %s; find by text, label, placeholder or role (and nth)", name, tostring(k)), 3)
        end
        if type(v) ~= kind then error(format("%s: %s must be a %s, not %s", name, k, kind, type(v)), 3) end
        if k ~= "nth" then any = true end
    end
    if not any then error(name .. ": say what to find: {text =}, {label =}, {placeholder =} or {role =}", 3) end
    return json(q, name)
end

--- The one component matching what a person sees: `{text =}`, `{label =}`,
--- `{placeholder =}`, `{role =}` (together: all must match; `nth =` picks one of several).
---@return gizmo.test.Component
function Page:find(q)
    local query = query_of(q, "page:find")
    local _, message = host.find(self.number, query)
    raise_if(message, 2)
    return setmetatable({ page = self, query = query }, Component)
end

--- Every component matching, in page order.
---@return gizmo.test.Component[]
function Page:find_all(q)
    local query = query_of(q, "page:find_all")
    local count = host.count(self.number, query)
    local found = {}
    local base = decode(query)
    for i = 1, count do
        base.nth = i
        found[i] = setmetatable({ page = self, query = encode(base) }, Component)
    end
    return found
end

--- The page's visible text, one line per block.
function Page:text() return (host.page(self.number, "text")) end

--- Errors and notices the page shows below the gizmo that the test has
--- not read yet (an error left unread fails the test).
function Page:errors() return decode(host.page(self.number, "errors")) end

--- Waits (real time, `timeout` seconds, default 5) until the page shows
--- `text` (or no longer shows `gone`): for work outside the simulation,
--- a real program's output, an HTTP answer.
function Page:wait_for(q)
    if type(q) == "string" then q = { text = q } end
    check(q, "table", "page:wait_for", 1)
    if (q.text == nil) == (q.gone == nil) then error("page:wait_for: give text = or gone =", 2) end
    local _, message = host.wait_for(self.number, q.text or q.gone, q.gone ~= nil, q.timeout or 5)
    raise_if(message, 2)
    return self
end

--- Drops the page's connection, as a lost network does.
function Page:disconnect() host.page(self.number, "disconnect"); return self end
--- Connects again: the page resumes, and what the person did meanwhile is sent.
function Page:reconnect() host.page(self.number, "reconnect"); return self end

--- Answers `gz.get(expr)` in this page with `value`; `expr` as JavaScript
--- text (`window.innerWidth`, `document.title`).
function Page:answer(expression, value)
    check(expression, "string", "page:answer", 1)
    host.answer(self.number, expression, json(value == nil and null or value, "page:answer"), nil)
    return self
end

--- Makes `gz.get(expr)` in this page fail with `message`, as a JavaScript exception would.
function Page:answer_error(expression, message)
    check(expression, "string", "page:answer_error", 1)
    check(message, "string", "page:answer_error", 2)
    host.answer(self.number, expression, nil, message)
    return self
end

-- The world ------------------------------------------------------------------

--- Opens a page of the script at `path` (from the test file's folder).
--- Another `t.open` of a script of the same module is a second viewer:
--- one service, one store. opts: `env` (variables gz.env shows),
--- `store` (values the module's store holds before its service starts).
---@return gizmo.test.Page
function t.open(path, opts)
    check(path, "string", "t.open", 1)
    opts = opts or {}
    check(opts, "table", "t.open", 2)
    local env = opts.env or {}
    check(env, "table", "t.open: env", 1)
    for k, v in pairs(env) do
        if type(k) ~= "string" or type(v) ~= "string" then error("t.open: env must map names to strings", 2) end
    end
    local store = {}
    for k, v in pairs(opts.store or {}) do
        if type(k) ~= "string" then error("t.open: store keys must be strings", 2) end
        store[k] = json(v, "t.open: store." .. k)
    end
    local number, message = host.open(path, json(env, "t.open"), json(store, "t.open"))
    raise_if(message, 2)
    return setmetatable({ number = number }, Page)
end

--- Moves the simulated clock `seconds` on: timers, gz.sleep, gz.get
--- timeouts and scripted programs' lines fire in order.
function t.advance(seconds)
    check(seconds, "number", "t.advance", 1)
    if seconds ~= seconds or seconds < 0 or seconds > 31536000 then
        error("t.advance: seconds must be from 0 to a year", 2)
    end
    host.advance(seconds)
end

--- Seconds the simulated clock has moved in this test.
function t.now() return host.now() end

--- Sets `key` of `module`'s store as `POST /push/module/key` would; with
--- `{append = N}`, appends `value`, keeping the last N.
function t.push(module, key, value, opts)
    check(module, "string", "t.push", 1)
    check(key, "string", "t.push", 2)
    local keep = opts and opts.append
    if keep ~= nil and (type(keep) ~= "number" or keep < 1 or keep ~= keep // 1) then
        error("t.push: append must be a whole number of items to keep", 2)
    end
    raise_if(select(2, host.push(module, key, json(value == nil and null or value, "t.push"), keep)), 2)
end

--- The value of `key` in `module`'s store.
function t.store(module, key)
    check(module, "string", "t.store", 1)
    check(key, "string", "t.store", 2)
    local text, message = host.store(module, key)
    raise_if(message, 2)
    return text and decode(text)
end

-- Scripted programs -------------------------------------------------------------

---@class gizmo.test.FakeProgram
local Fake = {}
Fake.__index = Fake

local function fake_call(self, op, argument)
    local answer, message = host.fake(self.number, op, argument)
    raise_if(message, 3)
    return answer
end

--- How many times the script started it.
function Fake:starts() return fake_call(self, "starts") end
--- The latest run's arguments (argv, argv[1] the program).
function Fake:args() return decode(fake_call(self, "args")) end
--- Whether the latest run still runs.
function Fake:running() return fake_call(self, "running") end
--- The signals the latest run got, by name, in order.
function Fake:signals() return decode(fake_call(self, "signals")) end
--- What the script wrote to the latest run's input.
function Fake:input() return fake_call(self, "input") end
--- The latest run prints `line` now (on stderr with `{stderr = true}`).
function Fake:line(line, opts)
    check(line, "string", "fake:line", 1)
    fake_call(self, (opts and opts.stderr) and "stderr" or "line", line)
    return self
end
--- The latest run ends now with `code` (default 0).
function Fake:exit(code)
    fake_call(self, "exit", code or 0)
    return self
end

--- Stands in for `program` when the script starts it with gz.spawn
--- (matched by name or path): `lines` (stdout), `stderr`, `exit` (code,
--- default 0), `every` (simulated seconds between lines; default all at
--- once), `hold` (keep running after the last line), `ignore_term`.
---@return gizmo.test.FakeProgram
function t.fake_run(program, script)
    check(program, "string", "t.fake_run", 1)
    script = script or {}
    check(script, "table", "t.fake_run", 2)
    local number, message = host.fake_run(program, json(script, "t.fake_run"))
    raise_if(message, 2)
    return setmetatable({ number = number }, Fake)
end

-- Assertions -----------------------------------------------------------------

local function show(value)
    if type(value) == "string" then return format("%q", value):gsub("\\\n", "\\n") end
    if type(value) == "table" then
        local text = encode(value)
        if text then return text end
    end
    return tostring(value)
end

-- A long text in a message: its first lines (the report shows each page whole).
local function excerpt(text)
    local lines, count = {}, 0
    for line in (text .. "\n"):gmatch("(.-)\n") do
        count = count + 1
        if count <= 12 then lines[count] = line end
    end
    if count > 12 then lines[13] = ("(%d more lines)"):format(count - 12) end
    return concat(lines, "\n")
end

local function deep_equal(a, b, depth)
    if a == b then return true end
    if type(a) ~= "table" or type(b) ~= "table" or depth > 100 then return false end
    for k, v in pairs(a) do if not deep_equal(v, b[k], depth + 1) then return false end end
    for k in pairs(b) do if a[k] == nil then return false end end
    return true
end

---@class gizmo.test.Expectation
local Expect = {}
Expect.__index = Expect

local function fail(self, message)
    if self.what then message = self.what .. ": " .. message end
    error(message, 3)
end

function Expect:equals(expected)
    if not deep_equal(self.value, expected, 0) then
        fail(self, format("expected %s, got %s", show(expected), show(self.value)))
    end
    return self
end

function Expect:contains(part)
    if type(self.value) == "string" then
        if not find(self.value, tostring(part), 1, true) then
            fail(self, format("expected the text to contain %s; it was:\n%s", show(part), excerpt(self.value)))
        end
    elseif type(self.value) == "table" then
        for _, v in pairs(self.value) do if deep_equal(v, part, 0) then return self end end
        fail(self, format("expected %s to contain %s", show(self.value), show(part)))
    else
        fail(self, format("expected a string or table to look in, got %s", show(self.value)))
    end
    return self
end

function Expect:lacks(part)
    if type(self.value) == "string" and find(self.value, tostring(part), 1, true) then
        fail(self, format("expected the text not to contain %s; it was:\n%s", show(part), excerpt(self.value)))
    end
    return self
end

function Expect:matches(pattern)
    if type(self.value) ~= "string" or not find(self.value, pattern) then
        fail(self, format("expected %s to match the pattern %s", show(self.value), show(pattern)))
    end
    return self
end

function Expect:is_true() if self.value ~= true then fail(self, "expected true, got " .. show(self.value)) end return self end
function Expect:is_false() if self.value ~= false then fail(self, "expected false, got " .. show(self.value)) end return self end
function Expect:is_nil() if self.value ~= nil then fail(self, "expected nil, got " .. show(self.value)) end return self end

function Expect:has_length(n)
    local length = (type(self.value) == "string" or type(self.value) == "table") and #self.value or nil
    if length ~= n then fail(self, format("expected length %d, got %s", n, tostring(length))) end
    return self
end

function Expect:at_least(n)
    if type(self.value) ~= "number" or self.value < n then fail(self, format("expected at least %s, got %s", show(n), show(self.value))) end
    return self
end

function Expect:at_most(n)
    if type(self.value) ~= "number" or self.value > n then fail(self, format("expected at most %s, got %s", show(n), show(self.value))) end
    return self
end

--- `t.expect(value[, what])`: `:equals(x)`, `:contains(part)`, `:lacks(part)`,
--- `:matches(pattern)`, `:is_true()`, `:is_false()`, `:is_nil()`,
--- `:has_length(n)`, `:at_least(n)`, `:at_most(n)`; `what` names the value in the message.
---@return gizmo.test.Expectation
function t.expect(value, what)
    return setmetatable({ value = value, what = what }, Expect)
end

-- The runner's side ------------------------------------------------------------

local modules = { ["gizmo.test"] = t }
local loading = {}

--- `require` in a test file: gizmo.test, or NAME.lua from the test's folder.
function require(name) -- luacheck: ignore (a test state's own global)
    check(name, "string", "require", 1)
    if modules[name] ~= nil then return modules[name] end
    if loading[name] then error("require: " .. name .. " requires itself", 2) end
    local source, message = host.source(name)
    if not source then error(message, 2) end
    local chunk, problem = load(source, "@" .. name:gsub("%.", "/") .. ".lua", "t")
    if not chunk then error(problem, 0) end
    loading[name] = true
    local result = chunk(name)
    loading[name] = nil
    modules[name] = result == nil and true or result
    return modules[name]
end

-- A failure's message, with the line of the test file it came from: a
-- plain `assert` raises without a position, so it is added here.
local function handler(message)
    if type(message) ~= "string" then
        local ok, text = pcall(tostring, message)
        message = ok and type(text) == "string" and text or "(an error of type " .. type(message) .. ")"
    end
    local line
    for level = 2, 60 do
        local info = debug.getinfo(level, "Sl")
        if not info then break end
        if info.source == "@" .. chunk_name and info.currentline > 0 then
            line = info.currentline
            break
        end
    end
    if not find(message, "^[^\n]-:%d+: ") then
        for level = 2, 60 do
            local info = debug.getinfo(level, "Sl")
            if not info then break end
            if info.what ~= "C" and info.currentline > 0 then
                message = info.short_src .. ":" .. info.currentline .. ": " .. message
                break
            end
        end
    end
    return { message = message, line = line }
end

local runner = {}

--- Runs the test file's chunk (declaring its tests); answers ok, message, line.
function runner.load(chunk)
    local ok, failure = xpcall(chunk, handler)
    if ok then return true end
    return false, failure.message, failure.line
end

function runner.count() return #tests end
function runner.name(i) return tests[i].name end

--- Runs test `i`; answers ok, message, line.
function runner.run(i)
    local ok, failure = xpcall(tests[i].fn, handler)
    if ok then return true end
    return false, failure.message, failure.line
end

return runner
