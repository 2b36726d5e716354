import Foundation
import GizmoProcess

/// gz.spawn and gz.process (process.lua): the host functions, and the
/// "process" turn that hands a state its programs' lines and ends.
extension GizmoVM {
    func processFunctions() -> [(String, LuaState.Function)] {
        [
            ("process_spawn", { [unowned self] call in
                let table = self.processes()
                return self.spawn(call, in: table)
            }),
            ("process_write", { [unowned self] call in
                guard let id = call.integer(at: 1), let bytes = call.bytes(at: 2) else {
                    return call.badArgument(2, "write", "string")
                }
                guard let child = self.processTable?.child(id) else { return call.failure("the program has ended") }
                switch child.write(bytes) {
                case .queued:
                    call.push(true)
                    return .returning(1)
                case .closed:
                    return call.failure("the program's input is closed")
                case .full(let pending):
                    return .raising("p:write: \(pending >> 10) KiB already wait for the program to read them, and "
                        + "\(bytes.count) bytes more would pass the \(ChildProcess.maxPendingInput >> 20) MiB a program's "
                        + "input may hold; write less at a time, or wait until it has read some")
                }
            }),
            ("process_close_stdin", { [unowned self] call in
                if let id = call.integer(at: 1) { self.processTable?.child(id)?.closeInput() }
                return .returning(0)
            }),
            ("process_signal", { [unowned self] call in
                guard let id = call.integer(at: 1), let name = call.string(at: 2),
                      let number = ProcessSignal.sendable[name] else { return call.badArgument(2, "signal", "signal name") }
                call.push(self.processTable?.child(id)?.signal(number) ?? false)
                return .returning(1)
            }),
            ("process_running", { [unowned self] call in
                call.push(call.integer(at: 1).flatMap { self.processTable?.child($0)?.isRunning } ?? false)
                return .returning(1)
            }),
            ("process_take", { [unowned self] call in
                let table = self.processTable
                return self.takeProcessEvent(call, from: table)
            }),
            ("process_find", { [unowned self] call in
                let table = self.processTable
                return self.findProcess(call, started: table)
            }),
            ("process_alive", { [unowned self] call in
                // A stand-in of the test harness answers for itself (its pid is no real process's).
                if let pid = call.integer(at: 1), let standIn = self.standIn(pid: pid) {
                    call.push(standIn.isRunning)
                    return .returning(1)
                }
                call.push(call.integer(at: 1).map { ProcessStats.isRunning(pid: Int32($0)) } ?? false)
                return .returning(1)
            }),
            ("process_stats", { [unowned self] call in
                guard let pid = call.integer(at: 1) else { return .returning(0) }
                let standIn = self.standIn(pid: pid)
                guard let stats = standIn != nil ? standIn?.stats : ProcessStats.read(pid: Int32(pid)) else {
                    return .returning(0)
                }
                call.push(stats.state)
                call.push(stats.cpuSeconds)
                call.push(stats.rssBytes)
                call.push(stats.threads)
                return .returning(4)
            }),
            ("process_kill", { [unowned self] call in
                let table = self.processTable
                return self.signalProcess(call, started: table)
            }),
        ]
    }

    /// The state's table of programs, made on first use.
    func processes() -> ProcessTable {
        if let processTable { return processTable }
        // As for store changes: the delivery starts on the state's own queue.
        let executor = self.executor
        let table = ProcessTable { [weak self] in
            Task(executorPreference: executor) { await self?.deliverProcessEvents() }
        }
        processTable = table
        return table
    }

    /// The test harness's stand-in this state started with that pid, if any.
    private func standIn(pid: Int) -> (any RunningProgram)? {
        Self.standIn(pid, of: processTable)
    }

    /// The most bytes of lines that ever waited for this state in one
    /// program's mailbox (tests and the bench: the backpressure's bound).
    public var processOutputHighWater: Int { processTable?.highWater ?? 0 }

    /// Programs of this state that have not ended (or whose end its Lua has not had yet).
    public var liveProcesses: Int { processTable?.liveCount ?? 0 }

    /// Lines and ends have come: one turn hands every waiting event to Lua.
    func deliverProcessEvents() {
        guard let table = processTable, table.beginBatch() else { return }
        turn("process")
        if table.endBatch(), !isClosed {
            // The turn was stopped midway: the rest goes in the next one.
            Task(executorPreference: executor) { await self.deliverProcessEvents() }
        }
    }

    // MARK: gz.spawn

    /// `process_spawn(argv, cwd, env, keeps_lines, stdin)`: argv and env as
    /// strings of NUL-separated items (process.lua checked that no item holds
    /// a NUL); answers the handle's id and the pid, or nil and why not.
    private nonisolated func spawn(_ call: LuaCall, in table: ProcessTable) -> LuaCall.Outcome {
        guard let joined = call.string(at: 1) else { return call.badArgument(1, "spawn", "string") }
        let argv = joined.split(separator: "\0", omittingEmptySubsequences: false).map(String.init)
        if let problem = ProgramLaunch.check(arguments: argv) { return call.failure(problem) }
        let searchPath = ProcessInfo.processInfo.environment["PATH"]
        let folder: String
        switch workingDirectory(call.string(at: 2)) {
        case .success(let path): folder = path
        case .failure(let failure): return call.failure(failure.message)
        }
        // A program the test harness scripted (t.fake_run) needs no grant and
        // no file: its stand-in gets argv[0] as the script gave it.
        let scripted = limits.simulation?.scripts(program: argv[0]) == true
        // A relative path with a slash (`./job.sh`) is taken from the folder
        // the program starts in, as exec would take it.
        if !scripted, let refusal = limits.grants.refusalToRun(argv[0], api: "gz.spawn", searchPath: searchPath,
                                                             directory: folder) {
            return call.failure(refusal)
        }
        guard let program = scripted ? argv[0] : ProgramLaunch.resolve(argv[0], searchPath: searchPath, directory: folder) else {
            return call.failure(argv[0].contains("/") ? "gz.spawn: \(argv[0]) is not an executable file (in \(folder))"
                : "gz.spawn: no program \"\(argv[0])\" on PATH (\(searchPath ?? "unset"))")
        }
        var variables: [(String, String)] = []
        if let env = call.string(at: 3), !env.isEmpty {
            let items = env.split(separator: "\0", omittingEmptySubsequences: false).map(String.init)
            guard items.count % 2 == 0 else { return call.badArgument(3, "spawn", "name and value pairs") }
            variables = stride(from: 0, to: items.count, by: 2).map { (items[$0], items[$0 + 1]) }
        }
        let environment: [String: String]
        switch ProgramLaunch.environment(adding: variables) {
        case .success(let made): environment = made
        case .failure(let failure): return call.failure(failure.message)
        }
        let launch = ProgramLaunch(program: program, arguments: Array(argv.dropFirst()), environment: environment,
                                   workingDirectory: folder, keepsLines: call.bool(at: 4), takesInput: call.bool(at: 5))
        do throws(LaunchFailure) {
            let (id, pid) = try table.spawn(launch, simulation: limits.simulation, scripted: scripted)
            call.push(id)
            call.push(Int(pid))
            return .returning(2)
        } catch {
            return call.failure(error.message)
        }
    }

    /// `cwd`: the script's folder by default; a relative one is relative to it.
    private nonisolated func workingDirectory(_ given: String?) -> Result<String, LaunchFailure> {
        guard let given, !given.isEmpty else { return .success(script.directory.path) }
        guard !given.utf8.contains(0) else { return .failure(LaunchFailure("gz.spawn: cwd holds a NUL byte")) }
        let folder = (given.hasPrefix("/") ? URL(fileURLWithPath: given)
            : script.directory.appendingPathComponent(given)).standardizedFileURL
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
            return .failure(LaunchFailure("gz.spawn: cwd \(given) is not a folder (looked for \(folder.path))"))
        }
        return .success(folder.path)
    }

    /// The next event of the turn's batch: `id, "line", line, stream`,
    /// `id, "exit", code or nil, signal name or nil`, or nothing at the end.
    private nonisolated func takeProcessEvent(_ call: LuaCall, from table: ProcessTable?) -> LuaCall.Outcome {
        guard let (id, event) = table?.next() else { return .returning(0) }
        call.push(id)
        switch event {
        case .line(let stream, let line):
            guard call.fits(line.utf8.count) else {
                return .raising("a program's output line would take this state past its memory budget of "
                    + "\(limits.memoryBytes >> 20) MiB")
            }
            call.push("line")
            call.push(line)
            call.push(stream.rawValue)
        case .exit(.exited(let code)):
            call.push("exit")
            call.push(Int(code))
            call.pushNil()
        case .exit(.signaled(let signal)):
            call.push("exit")
            call.pushNil()
            call.push(ProcessSignal.name(of: signal))
        }
        return .returning(4)
    }

    // MARK: gz.process

    /// `process_find(pid)` or `process_find(nil, pid_file)`: the pid, or nil and why not.
    /// A pid past ``ProcessStats/maxPID`` is taken only when it is a test
    /// stand-in's that this state started (the harness gives them such pids).
    private nonisolated func findProcess(_ call: LuaCall, started table: ProcessTable?) -> LuaCall.Outcome {
        if let path = call.string(at: 2) {
            switch readPidFile(path, started: table) {
            case .success(let pid):
                call.push(Int(pid))
                return .returning(1)
            case .failure(let failure):
                return call.failure(failure.message)
            }
        }
        guard let pid = call.integer(at: 1), pid >= 1, pid <= ProcessStats.maxPID || Self.isStandIn(pid, of: table) else {
            return call.failure("gz.process: argument #1 must be a process id (a whole number from 1 to "
                + "\(ProcessStats.maxPID)) or {pid_file = path}")
        }
        call.push(pid)
        return .returning(1)
    }

    /// The pid in a pid file, read under the read rules: the script's folder
    /// and its data folder freely, elsewhere with `--allow-read`.
    private nonisolated func readPidFile(_ path: String, started table: ProcessTable?) -> Result<Int32, LaunchFailure> {
        guard !path.isEmpty, !path.utf8.contains(0) else { return .failure(LaunchFailure("gz.process: pid_file must be a path")) }
        let file = (path.hasPrefix("/") ? URL(fileURLWithPath: path)
            : script.directory.appendingPathComponent(path)).standardizedFileURL
        var opened: ConfinedFile
        do throws(ConfinedFile.Refusal) {
            do throws(ConfinedFile.Refusal) {
                opened = try ConfinedFile.open(file.path, inside: [dataFolder.root, script.directory])
            } catch .outside {
                if let refusal = limits.grants.refusalToRead(file.path, api: "gz.process") {
                    return .failure(LaunchFailure(refusal))
                }
                opened = try ConfinedFile.open(file.path, inside: [URL(fileURLWithPath: "/")])
            }
            let bytes = try opened.read(at: 0, count: 64)
            let text = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isWhitespace).first
            guard let text, let pid = Int32(text), pid >= 1,
                  Int(pid) <= ProcessStats.maxPID || Self.isStandIn(Int(pid), of: table) else {
                return .failure(LaunchFailure("gz.process: \(path) does not begin with a process id"))
            }
            return .success(pid)
        } catch {
            let reason = switch error {
            case .missing: "there is no such file"
            case .outside: "it is outside the folders it may be read from"
            case .notAFile: "it is not a file"
            case .unreadable(let why): why
            }
            return .failure(LaunchFailure("gz.process: cannot read the pid file \(path): \(reason)"))
        }
    }

    private nonisolated static func standIn(_ pid: Int, of table: ProcessTable?) -> (any RunningProgram)? {
        Int32(exactly: pid).flatMap { table?.standIn(pid: $0) }
    }

    private nonisolated static func isStandIn(_ pid: Int, of table: ProcessTable?) -> Bool {
        standIn(pid, of: table) != nil
    }

    /// `process_kill(pid, name)`: true; or nil and why it failed; or false
    /// and the refusal, which the library raises.
    private nonisolated func signalProcess(_ call: LuaCall, started table: ProcessTable?) -> LuaCall.Outcome {
        guard let pid = call.integer(at: 1).map(Int32.init), let name = call.string(at: 2),
              let number = ProcessSignal.sendable[name] else { return call.badArgument(2, "signal", "signal name") }
        if let child = table?.child(pid: pid) {
            call.push(child.signal(number))
            return .returning(1)
        }
        if table?.standIn(pid: pid) != nil {
            return call.failure("gz.process: cannot signal process \(pid): it has ended")
        }
        if pid == getpid() {
            call.push(false)
            call.push("gz.process: process \(pid) is gizmolua itself, which a script may not signal")
            return .returning(2)
        }
        if let refusal = limits.grants.refusalToSignal(pid: pid, api: "gz.process") {
            call.push(false)
            call.push(refusal)
            return .returning(2)
        }
        guard kill(pid, number) == 0 else {
            return call.failure("gz.process: cannot signal process \(pid): \(String(cString: strerror(errno)))")
        }
        call.push(true)
        return .returning(1)
    }
}

import CLua

extension LuaCall {
    /// A boolean argument as Lua reads it: false only for nil and false.
    public func bool(at index: Int32) -> Bool { lua_toboolean(L, index) != 0 }
}
