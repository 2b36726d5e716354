-- The protocol, the runtime's side (docs/protocol.md): commands for the
-- pages queued during a turn and sent as one frame at its end, messages from
-- the pages decoded, checked and dispatched, and the callback ids the pages
-- use to call into Lua.
--
-- A session may have several pages open (a laptop and a phone); they mirror
-- each other. The frame a turn makes goes to every page that has joined;
-- the host numbers it and keeps it for a page that reconnects. A page that
-- says hello joins: it resumes from the frames it missed (the host replays
-- them) or gets a full render. Messages from a page carry its id and a
-- number, so one sent again after a reconnect is run once; calls carry the
-- render generation, so a click on a page from before a hot reload is
-- dropped with a note instead of reaching another handler.

local host, options, scheduler, log = ...

local type, next, ipairs, tostring, tonumber, pcall, error, setmetatable =
    type, next, ipairs, tostring, tonumber, pcall, error, setmetatable
local math_type = math.type
local concat, unpack, remove = table.concat, table.unpack, table.remove
local sub, format, gsub, find, byte = string.sub, string.format, string.gsub, string.find, string.byte
local json_encode, json_decode, json_null = host.json_encode, host.json_decode, host.json_null

local GET_TIMEOUT = options.get_timeout or 10
local MAX_MESSAGE = options.max_message or 1048576
local GENERATION = options.generation or 0
local MAX_EARLY = 10000
local MAX_PAGE_TEXT = 1000 -- characters of a page's own text quoted in a message or the log
local MAX_ACKS = 256       -- pages remembered for exactly-once delivery

local page = { GENERATION = GENERATION, GET_TIMEOUT = GET_TIMEOUT, json_null = json_null }

-- ---------------------------------------------------------------------------
-- Commands out

local queue, queued = {}, 0
local dropped, ndropped = {}, 0 -- kept page results whose Lua proxies died
local acked_now = {} -- page id -> its last message run since the last frame went out

function page.emit(command)
    queued = queued + 1
    queue[queued] = command
end
local emit = page.emit

-- Commands for the pages themselves (exec, get, drop, error) made before any
-- page has joined would reach nobody: they are kept and sent after the first
-- page's render, and a get's timeout starts then. Component changes need no
-- keeping: the render carries them. A module's service never has a page: its
-- errors go out at once, for the host to show in the module's pages.
local page_seen = options.service and true or false
local early, nearly = {}, 0
local early_overflow = false

--- Emits `command` for the pages; before the first page, keeps it instead and
--- returns true (a get then starts its timer when it is sent).
function page.to_page(command, timeout)
    if page_seen then
        emit(command)
        return false
    end
    if nearly >= MAX_EARLY then
        early_overflow = true
        return false
    end
    nearly = nearly + 1
    early[nearly] = { command = command, timeout = timeout }
    return true
end
local to_page = page.to_page

-- A kept page result (gz.send's) whose proxy died: the pages may let it go.
-- Called from a finalizer, so it must only store a number.
function page.drop_kept(ref)
    if math_type(ref) ~= "integer" then return end
    ndropped = ndropped + 1
    dropped[ndropped] = ref
end

-- A text a page sent, fit to quote: cut short, control characters shown.
local function quote(text)
    text = tostring(text)
    local cut = #text > MAX_PAGE_TEXT
    if cut then text = sub(text, 1, MAX_PAGE_TEXT) end
    text = gsub(text, "%c", function(c) return format("\\x%02x", byte(c)) end)
    return cut and (text .. "... (cut)") or text
end
page.quote = quote

-- Encodes a list of commands as one frame. A command that cannot be encoded
-- (nested too deep, a key of the wrong type) is replaced by an error naming
-- it, so it can never stay in the queue and fail every later turn.
local function encode(commands)
    local ok, text = pcall(json_encode, commands)
    if ok then return text end
    local parts = {}
    for i = 1, #commands do
        local ok1, one = pcall(json_encode, commands[i])
        if not ok1 then
            local op = type(commands[i]) == "table" and commands[i].op
            local message = format("a %s command could not be sent to the page (%s); it was dropped",
                type(op) == "string" and op or "?", tostring(one))
            log("error", message)
            one = json_encode({ op = "error", msg = message })
        end
        parts[i] = one
    end
    return "[" .. concat(parts, ",") .. "]"
end

--- The frame of everything queued this turn, or nil; the queue is empty after.
function page.flush()
    for i = 1, ndropped do
        to_page({ op = "drop", ref = dropped[i] })
        dropped[i] = nil
    end
    ndropped = 0
    if queued == 0 then return nil end
    -- A frame that goes out anyway tells pages which of their messages ran,
    -- so they can stop keeping them for a reconnect.
    for id, m in next, acked_now do
        emit({ op = "ack", to = id, m = m })
        acked_now[id] = nil
    end
    local commands = queue
    queue, queued = {}, 0
    return encode(commands)
end

-- ---------------------------------------------------------------------------
-- Errors

local boot_error -- the first error of the main chunk, for `gizmolua run`
local page_of = {} -- page connection -> page id

--- Reports an error of the script (or of a message from a page) in the pages
--- and the log; `origin`, the connection it concerns, when only one page
--- should see it.
function page.report(message, trace, origin)
    local command = { op = "error", msg = message, trace = trace, to = origin and page_of[origin] or nil }
    -- A service's failure to start reaches its host as the boot's result
    -- (ModuleService tells the pages once); as a command too, it was told twice.
    if not (options.service and boot_error == false) then to_page(command) end
    if boot_error == false then
        boot_error = message -- the host decides how to tell it
    else
        log("error", trace and (message .. "\n" .. trace) or message)
    end
end
local report = page.report

-- ---------------------------------------------------------------------------
-- Callbacks: ids the pages use to call into Lua
--
-- A DOM listener belongs to its component (collected with it); a Lua function
-- passed into the page is a counted registry reference, held until the
-- session ends.

local next_callback = 0
local listener_owner = setmetatable({}, { __mode = "v" }) -- callback id -> component
local listener_handler = setmetatable({}, { __mode = "k" }) -- component -> { callback id -> function }
local function_refs = {} -- callback id -> registry ref

--- A new listener id for component `c`, running `fn`; or, with fn nil, the
--- listener `id` of c removed.
function page.listen(c, fn, old)
    local handlers = listener_handler[c]
    if old then
        if handlers then handlers[old] = nil end
        listener_owner[old] = nil
    end
    if not fn then return nil end
    next_callback = next_callback + 1
    if not handlers then
        handlers = {}
        listener_handler[c] = handlers
    end
    handlers[next_callback] = fn
    listener_owner[next_callback] = c
    return next_callback
end

--- A callback id for a Lua function passed into the page.
function page.function_callback(fn)
    next_callback = next_callback + 1
    function_refs[next_callback] = host.ref(fn)
    return next_callback
end

local function find_callback(id)
    local owner = listener_owner[id]
    if owner then
        local handlers = listener_handler[owner]
        return handlers and handlers[id]
    end
    local ref = function_refs[id]
    if ref then return host.deref(ref) end
    return nil
end

-- ---------------------------------------------------------------------------
-- Exactly once: each page numbers what it sends; what it sends again after a
-- reconnect (because it cannot know what arrived) is run only once.

local acks = {}      -- page id -> the number of the last message run
local ack_order = {} -- page ids, oldest first, to forget the oldest
if type(options.kept) == "table" and type(options.kept.acks) == "table" then
    for id, m in next, options.kept.acks do
        if type(id) == "string" and math_type(m) == "integer" then
            acks[id] = m
            ack_order[#ack_order + 1] = id
        end
    end
end
if type(options.kept) == "table" and type(options.kept.pages) == "table" then
    for connection, id in next, options.kept.pages do
        local c = math_type(tonumber(connection)) == "integer" and tonumber(connection)
        if c and type(id) == "string" then page_of[c] = id end
    end
end

-- Whether the message is new; numbered messages of a page run once each.
local function first_time(message)
    local id, m = message.p, message.m
    if type(id) ~= "string" or math_type(m) ~= "integer" then return true end -- a program's client
    local last = acks[id]
    if last and m <= last then return false end
    if not last then
        ack_order[#ack_order + 1] = id
        if #ack_order > MAX_ACKS then acks[remove(ack_order, 1)] = nil end
    end
    acks[id] = m
    acked_now[id] = m
    return true
end

-- ---------------------------------------------------------------------------
-- Messages in

page.render_command = function() error("gizmo: no renderer installed") end

-- The first page gets what the script asked of a page before any existed.
local function release_early(to)
    page_seen = true
    local kept = early
    early, nearly = {}, 0
    for _, item in ipairs(kept) do
        local command = item.command
        if command.op == "get" then command.to = to end
        emit(command)
        if item.timeout then scheduler.start_get_timer(command.req, item.timeout) end
    end
    if early_overflow then
        report(format("more than %d page commands were made before a page connected; the rest were dropped",
            MAX_EARLY))
    end
end

local function valid_page_id(id)
    return type(id) == "string" and #id >= 1 and #id <= 64 and not find(id, "[^%w_-]")
end

--- A page said hello on `connection`: it resumes from the frames it missed,
--- or gets the whole tree.
local joined = false -- a page got a full render in this turn

local function on_hello(message, connection)
    local id = valid_page_id(message.p) and message.p or ("connection-" .. connection)
    page_of[connection] = id
    local acked = acks[id] or 0
    local n = message.n
    if not (math_type(n) == "integer" and n >= 0 and host.resume(connection, n, acked)) then
        host.join(connection, acked, encode({ page.render_command() }))
        joined = true
    end
    if not page_seen then release_early(id) end
end

local function on_call(message, connection)
    if message.g ~= nil and message.g ~= GENERATION then
        to_page({ op = "notice", to = page_of[connection],
            msg = "An action made on the page before the gizmo was reloaded was dropped: " ..
                "it belonged to the previous version of the page." })
        return
    end
    local id = message.cb
    local fn = math_type(id) == "integer" and find_callback(id)
    if not fn then
        report("unknown callback id " .. quote(json_encode(id == nil and json_null or id)) ..
            " (its component or function no longer exists)", nil, connection)
        return
    end
    local args = type(message.args) == "table" and message.args or {}
    scheduler.spawn(fn, connection, unpack(args, 1, #args))
end

local function on_reply(message)
    local request = message.req
    if math_type(request) ~= "integer" then return end
    local ok = message.ok == true
    -- A second page's answer, or one after the timeout, finds nobody waiting.
    scheduler.finish_get(request, ok,
        ok and message.v or ("JavaScript error in the page: " .. quote(message.err)))
end

local handlers = {
    hello = on_hello,
    call = on_call,
    reply = on_reply,
    error = function(message, connection)
        report("JavaScript error in the page: " .. quote(message.msg), nil, connection)
    end,
}

--- One text message from the page on `connection`.
function page.on_frame(text, connection)
    if #text > MAX_MESSAGE then
        report(format("a message of %d bytes from the page is over the %d byte limit; it was dropped",
            #text, MAX_MESSAGE), nil, connection)
        return
    end
    local ok, message = pcall(json_decode, text)
    if not ok then
        report("a message from the page is not valid JSON (" .. quote(message) .. "); it was dropped",
            nil, connection)
        return
    end
    if type(message) ~= "table" or type(message.t) ~= "string" then
        report("a message from the page has no type field 't'; it was dropped", nil, connection)
        return
    end
    local handler = handlers[message.t]
    if not handler then
        report("a message from the page has the unknown type '" .. quote(message.t) .. "'; it was dropped",
            nil, connection)
        return
    end
    if message.t ~= "hello" and not first_time(message) then return end
    handler(message, connection)
end

--- The render command of what is shown now and its JSON, for a page's
--- first paint; nil while commands wait for the end of a turn (the tree
--- would be ahead of the frames sent).
function page.snapshot()
    if queued > 0 then return nil end
    local command = page.render_command()
    local ok, text = pcall(json_encode, command)
    if ok then return command, text end
end

--- Whether a page got a full render since the last call (the runtime then
--- collects the render's garbage).
function page.rendered_for_join()
    local was = joined
    joined = false
    return was
end

--- The page connection has gone.
function page.on_leave(connection)
    page_of[connection] = nil
end

--- A hot reload: every page gets the new run's tree.
function page.rerender()
    emit(page.render_command())
    if not page_seen then
        local first = next(page_of)
        release_early(first and page_of[first] or nil)
    end
end

-- ---------------------------------------------------------------------------
-- gz.get

--- Runs `expr` (an EXPR) in a page and waits for its value: in the page whose
--- event started this handler, else in any page.
function page.get(expr, timeout)
    local request = page.new_ref()
    local command = { op = "get", req = request, expr = expr, to = page_of[scheduler.origin()] }
    local deferred = to_page(command, timeout)
    local timer
    if not deferred then
        local refused
        timer, refused = host.timer(timeout)
        if not timer then error(refused, 3) end
    end
    return scheduler.wait_get(request, timer)
end

local next_ref = 0
--- A new id for a kept result or a get request.
function page.new_ref()
    next_ref = next_ref + 1
    return next_ref
end

-- ---------------------------------------------------------------------------
-- What the host keeps across a reload, and counts for tests

function page.keep()
    local pages = {}
    for connection, id in next, page_of do pages[tostring(connection)] = id end
    return { acks = acks, pages = pages }
end

function page.boot_started() boot_error = false end
function page.boot_finished()
    local failed = boot_error
    boot_error = nil
    return failed
end

function page.listeners()
    local n = 0
    for _ in next, listener_owner do n = n + 1 end
    return n
end

function page.shutdown()
    for id, ref in next, function_refs do
        host.unref(ref)
        function_refs[id] = nil
    end
end

return page
