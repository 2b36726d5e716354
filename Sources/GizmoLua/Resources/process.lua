-- gz.spawn and gz.process: programs a script starts and watches
-- (docs/lua-api.md, "Processes: gz.spawn and gz.process"), loaded on the
-- first read of either name. The host starts each program (GizmoProcess)
-- and keeps it; here are the checks of what the script gives, the handles,
-- and the runtime's handler of the host's "process" turn, which hands over
-- the programs' lines and ends.

local type, tostring, error, setmetatable, pairs = type, tostring, error, setmetatable, pairs
local format, find, concat = string.format, string.find, table.concat
local math_type = math.type
local co_yield = coroutine.yield

local SIGNALS = { TERM = true, INT = true, HUP = true, STOP = true, CONT = true, USR1 = true, USR2 = true, KILL = true }
local SIGNAL_NAMES = '"TERM", "INT", "HUP", "STOP", "CONT", "USR1", "USR2" or "KILL"'

---@param gz gz the module, to define gz.spawn and gz.process in
---@param runtime table the runtime's modules (runtime.lua)
local function install(gz, runtime)
    local host, scheduler = runtime.host, runtime.scheduler
    local spawn_program, write, close_stdin, send_signal, is_running, take =
        host.process_spawn, host.process_write, host.process_close_stdin, host.process_signal,
        host.process_running, host.process_take
    local find_process, is_alive, read_stats, kill = host.process_find, host.process_alive, host.process_stats,
        host.process_kill
    local WAIT = scheduler.WAIT

    -- Programs of this state by the host's id: { on_line =, on_exit =, stdin =,
    -- ended =, code =, signal =, waiters = { wait keys } }. Kept until the
    -- program's end is delivered, whether or not the script keeps its handle.
    local programs = {}
    -- The handle a script holds knows only its id, kept where the script cannot reach it.
    local id_of = setmetatable({}, { __mode = "k" })
    -- handle -> its program's record, which outlives `programs`' entry (a
    -- handle answers after the end: p:wait(), p:running()).
    local record_of_handle = setmetatable({}, { __mode = "k" })
    local last_wait = 0

    local function record_of(handle, name)
        local id = id_of[handle]
        if id == nil then error(format("p:%s: call it on a handle from gz.spawn, with a colon", name), 3) end
        return record_of_handle[handle], id
    end

    local function check_signal(name, api)
        if not SIGNALS[name] then
            error(format("%s: the signal must be %s, not %s", api, SIGNAL_NAMES,
                type(name) == "string" and format("%q", name) or type(name)), 3)
        end
    end

    --- A program started by gz.spawn.
    ---@class gz.Process
    ---@field pid integer the program's process id
    local Process = runtime.sandbox.protect({})
    Process.__index = Process

    --- Queues `s` for the program's input (only with `stdin = true`);
    --- answers true, or nil and why when its input is closed. Raises when
    --- more than 1 MiB would wait for the program to read it.
    ---@param s string
    ---@return boolean|nil ok
    ---@return string? problem
    function Process:write(s)
        local record, id = record_of(self, "write")
        if type(s) ~= "string" then error("p:write: argument #1 must be a string, not " .. type(s), 2) end
        if not record.stdin then
            error("p:write: this program's input is closed: start it with gz.spawn(argv, {stdin = true}) to write to it", 2)
        end
        if record.ended then return nil, "the program has ended" end
        return write(id, s)
    end

    --- Closes the program's input once what was written is read (it then sees the end of its input).
    function Process:close_stdin()
        local _, id = record_of(self, "close_stdin")
        close_stdin(id)
    end

    --- Sends a signal to the program and its process group (the jobs it
    --- started); answers false when the program has ended.
    ---@param name "TERM"|"INT"|"HUP"|"STOP"|"CONT"|"USR1"|"USR2"|"KILL"
    ---@return boolean sent
    function Process:signal(name)
        local record, id = record_of(self, "signal")
        check_signal(name, "p:signal")
        if record.ended then return false end
        return send_signal(id, name)
    end

    --- p:signal("KILL").
    ---@return boolean sent
    function Process:kill()
        local record, id = record_of(self, "kill")
        if record.ended then return false end
        return send_signal(id, "KILL")
    end

    --- Whether the program still runs.
    ---@return boolean
    function Process:running()
        local record, id = record_of(self, "running")
        return not record.ended and is_running(id)
    end

    --- Waits (in a handler, a timer or the main code) until the program
    --- has ended and its last line was handed over; answers its exit code
    --- (nil when a signal killed it) and the signal's name (or nil).
    ---@return integer|nil code
    ---@return string|nil signal
    function Process:wait()
        local record = record_of(self, "wait")
        if not record.ended then
            scheduler.must_wait("p:wait")
            last_wait = last_wait + 1
            -- Filed as a sleeper under a key no timer has (timers are numbers).
            local key = "process wait " .. last_wait
            record.waiters[#record.waiters + 1] = key
            co_yield(WAIT, "sleep", key)
        end
        return record.code, record.signal
    end

    Process.__tostring = function(self)
        return "gz.Process(" .. tostring(self.pid) .. ")"
    end

    -- The items of argv (checked, joined by NUL for the host).
    local function joined_argv(argv)
        if type(argv) ~= "table" then
            error("gz.spawn: argument #1 must be a list of strings (the program, then its arguments), not "
                .. type(argv), 3)
        end
        local n = #argv
        if n == 0 then error("gz.spawn: argument #1 must be a list of strings with the program first, not an empty list", 3) end
        for i = 1, n do
            local item = argv[i]
            if type(item) ~= "string" then
                error(format("gz.spawn: argv[%d] must be a string, not %s", i, type(item)), 3)
            end
            if find(item, "\0", 1, true) then error(format("gz.spawn: argv[%d] holds a NUL byte", i), 3) end
        end
        return concat(argv, "\0", 1, n)
    end

    -- opts.env (checked, as NUL-separated name and value pairs).
    local function joined_env(env)
        if env == nil then return nil end
        if type(env) ~= "table" then error("gz.spawn: env must be a table of names and strings, not " .. type(env), 3) end
        local parts = {}
        for name, value in pairs(env) do
            if type(name) ~= "string" then error("gz.spawn: env: every name must be a string, not " .. type(name), 3) end
            if type(value) == "number" then value = tostring(value) end
            if type(value) ~= "string" then
                error(format("gz.spawn: env.%s must be a string, not %s", name, type(value)), 3)
            end
            if find(name, "\0", 1, true) or find(value, "\0", 1, true) then
                error(format("gz.spawn: env.%s holds a NUL byte", name), 3)
            end
            parts[#parts + 1] = name
            parts[#parts + 1] = value
        end
        return concat(parts, "\0")
    end

    local function optional_function(opts, key)
        local fn = opts[key]
        if fn ~= nil and type(fn) ~= "function" then
            error(format("gz.spawn: %s must be a function, not %s", key, type(fn)), 3)
        end
        return fn
    end

    --- Starts a program (never through a shell: argv[1] is the program,
    --- found on PATH, and must be granted with --allow-run). Its lines
    --- reach `on_line(line, stream)`, its end `on_exit(code, signal)`.
    --- The program belongs to this state: it is ended when the state ends.
    ---@param argv string[]
    ---@param opts? {cwd?: string, env?: table<string, string>, on_line?: fun(line: string, stream: "stdout"|"stderr"), on_exit?: fun(code: integer|nil, signal: string|nil), stdin?: boolean}
    ---@return gz.Process
    function gz.spawn(argv, opts)
        local program = joined_argv(argv)
        if opts == nil then opts = {} end
        if type(opts) ~= "table" then error("gz.spawn: argument #2 must be a table of options, not " .. type(opts), 2) end
        local cwd = opts.cwd
        if cwd ~= nil and type(cwd) ~= "string" then error("gz.spawn: cwd must be a string, not " .. type(cwd), 2) end
        local env = joined_env(opts.env)
        local on_line, on_exit = optional_function(opts, "on_line"), optional_function(opts, "on_exit")
        local stdin = opts.stdin
        if stdin ~= nil and type(stdin) ~= "boolean" then error("gz.spawn: stdin must be true or false, not " .. type(stdin), 2) end
        local id, pid = spawn_program(program, cwd, env, on_line ~= nil, stdin == true)
        if id == nil then error(pid, 2) end
        programs[id] = { on_line = on_line, on_exit = on_exit, stdin = stdin == true, ended = false, waiters = {} }
        local handle = setmetatable({ pid = pid }, Process)
        id_of[handle] = id
        record_of_handle[handle] = programs[id]
        return handle
    end

    -- gz.process: a process this server may not have started.

    local pid_of = setmetatable({}, { __mode = "k" })

    --- A process found by its pid (gz.process).
    ---@class gz.ProcessWatch
    ---@field pid integer
    local Watched = runtime.sandbox.protect({})
    Watched.__index = Watched

    local function pid_of_handle(handle, name)
        local pid = pid_of[handle]
        if pid == nil then error(format("pr:%s: call it on a handle from gz.process, with a colon", name), 3) end
        return pid
    end

    --- Whether the process runs (it exists and is not a zombie).
    ---@return boolean
    function Watched:running()
        return is_alive(pid_of_handle(self, "running"))
    end

    --- What /proc tells of the process now, or nil when it is gone.
    ---@return {state: string, cpu_seconds: number, rss_bytes: integer, threads: integer}|nil
    function Watched:stats()
        local state, cpu, rss, threads = read_stats(pid_of_handle(self, "stats"))
        if state == nil then return nil end
        return { state = state, cpu_seconds = cpu, rss_bytes = rss, threads = threads }
    end

    --- Sends a signal to the process; needs --allow-signal unless this
    --- state started it. Answers true, or nil and why it failed.
    ---@param name "TERM"|"INT"|"HUP"|"STOP"|"CONT"|"USR1"|"USR2"|"KILL"
    ---@return boolean|nil sent
    ---@return string? problem
    function Watched:signal(name)
        local pid = pid_of_handle(self, "signal")
        check_signal(name, "pr:signal")
        local sent, problem = kill(pid, name)
        if sent == false then error(problem, 2) end
        return sent, problem
    end

    Watched.__tostring = function(self)
        return "gz.process(" .. tostring(self.pid) .. ")"
    end

    --- A process by pid, or by the pid in a file (`{pid_file = path}`, read
    --- as gz.read_file reads, or with --allow-read).
    ---@param pid integer|{pid_file: string}
    ---@return gz.ProcessWatch
    function gz.process(pid)
        local found, problem
        if type(pid) == "table" then
            if type(pid.pid_file) ~= "string" then
                error("gz.process: give a process id or {pid_file = path}", 2)
            end
            found, problem = find_process(nil, pid.pid_file)
        elseif math_type(pid) == "integer" or (type(pid) == "number" and pid == pid // 1) then
            found, problem = find_process(pid // 1)
        else
            error("gz.process: argument #1 must be a process id or {pid_file = path}, not " .. type(pid), 2)
        end
        if found == nil then error(problem, 2) end
        local handle = setmetatable({ pid = found }, Watched)
        pid_of[handle] = found
        return handle
    end

    -- The host's "process" turn: take() answers, one at a time, every event
    -- waiting: (id, "line", line, stream) or (id, "exit", code, signal).
    runtime.on_process = function()
        while true do
            local id, kind, a, b = take()
            if id == nil then return end
            local record = programs[id]
            if record then
                if kind == "line" then
                    if record.on_line then scheduler.spawn(record.on_line, nil, a, b) end
                elseif kind == "exit" then
                    programs[id] = nil
                    record.ended, record.code, record.signal = true, a, b
                    if record.on_exit then scheduler.spawn(record.on_exit, nil, a, b) end
                    for i = 1, #record.waiters do scheduler.on_timer(record.waiters[i]) end
                    record.waiters = {}
                end
            end
        end
    end
end

return install
