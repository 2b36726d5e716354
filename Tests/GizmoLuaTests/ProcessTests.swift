import Foundation
import GizmoGrants
import GizmoLua
import GizmoTestFixtures
import Testing

/// gz.spawn as scripts use it: refusals and grants, lines, ends, signals,
/// input, the cap, backpressure, and no program outliving its state.
struct ProcessTests {
    let folder = TemporaryFolder()

    func harness(_ source: String, run: [String] = ["sh", "sleep", "cat"], signal: Bool = false,
                 read: [String] = []) async throws -> VMHarness {
        let harness = try await VMHarness("local gz = require(\"gizmo\")\n" + source,
                                          limits: SessionLimits(grants: Grants(run: run, read: read, signal: signal)),
                                          directory: folder.url)
        return harness
    }

    /// Joins the page, then waits for a text of it that starts with "RESULT "
    /// (in the first render or in a later update) and answers the rest.
    func result(_ harness: VMHarness, seconds: Double = 60) async throws -> String? {
        var found: String?
        func search(_ value: Any) {
            if let text = value as? String, text.hasPrefix("RESULT ") { found = String(text.dropFirst(7)) }
            if let node = value as? [String: Any] { node.values.forEach(search) }
            if let list = value as? [Any] { list.forEach(search) }
        }
        try await harness.hello().forEach { search($0.fields) }
        if let found { return found }
        _ = try await harness.waitFor(seconds: seconds) { commands in
            commands.forEach { search($0.fields) }
            return found != nil
        }
        return found
    }

    // MARK: Refusals and grants

    @Test func startingAProgramNotGrantedIsRefusedAtTheScriptsLine() async throws {
        let refused = try await harness(#"gz.spawn({"sh", "-c", "true"})"#, run: [])
        #expect(refused.boot.error?.contains(#"test.lua:2: gz.spawn: running "sh" is not allowed; start gizmolua with --allow-run=sh"#) == true)
        let other = try await harness(#"gz.spawn({"cat"})"#, run: ["sh"])
        #expect(other.boot.error?.contains(#"gz.spawn: running "cat" is not allowed; start gizmolua with --allow-run=cat"#) == true)
        let granted = try await harness("""
            local p = gz.spawn({"sh", "-c", "exit 4"})
            gz.Text("RESULT " .. tostring(p:wait())):show()
            """, run: ["sh"])
        #expect(granted.boot.error == nil)
        #expect(try await result(granted) == "4")
        let all = try await VMHarness("local p = require('gizmo').spawn({'sh', '-c', 'exit 0'})",
                                      limits: SessionLimits(grants: .everything), directory: folder.url)
        #expect(all.boot.error == nil)
    }

    @Test func badArgumentsAreRefusedWithWhatToFix() async throws {
        let cases: [(String, String)] = [
            (#"gz.spawn("ls")"#, "gz.spawn: argument #1 must be a list of strings (the program, then its arguments), not string"),
            (#"gz.spawn({"sh", 3})"#, "gz.spawn: argv[2] must be a string, not number"),
            (#"gz.spawn({"sh", "a\0b"})"#, "gz.spawn: argv[2] holds a NUL byte"),
            (#"gz.spawn({})"#, "gz.spawn: argument #1 must be a list of strings with the program first, not an empty list"),
            (#"gz.spawn({"sh"}, {cwd = "missing"})"#, "gz.spawn: cwd missing is not a folder (looked for \(folder.url.appendingPathComponent("missing").standardizedFileURL.path))"),
            (#"gz.spawn({"sh"}, {env = {["1X"] = "v"}})"#, #"gz.spawn: env: "1X" is not a variable name (letters, digits and '_', not starting with a digit)"#),
            (#"gz.spawn({"sh"}, {env = {X = {}}})"#, "gz.spawn: env.X must be a string, not table"),
            (#"gz.spawn({"sh"}, {on_line = 1})"#, "gz.spawn: on_line must be a function, not number"),
            (#"gz.spawn({"no-such-program-here"})"#, #"gz.spawn: no program "no-such-program-here" on PATH"#),
            (#"gz.spawn({"sh"}):signal("BOOM")"#, #"p:signal: the signal must be "TERM", "INT", "HUP", "STOP", "CONT", "USR1", "USR2" or "KILL", not "BOOM""#),
            (#"gz.spawn({"sh"}):write("x")"#, "p:write: this program's input is closed: start it with gz.spawn(argv, {stdin = true}) to write to it"),
        ]
        for (source, message) in cases {
            let harness = try await harness(source, run: ["sh", "no-such-program-here"])
            #expect(harness.boot.error?.contains("test.lua:2: " + message) == true, "\(source): \(harness.boot.error ?? "no error")")
            await harness.vm.close()
        }
    }

    @Test func aProgramOfTheScriptsFolderRunsByItsRelativePath() async throws {
        // A link to sh, not a script written now: a file just written can be
        // "busy" for a moment while another test's spawn holds a copy of its descriptor.
        folder.link("job", to: "/bin/sh")
        let job = folder.url.appendingPathComponent("job")
        let harness = try await harness("""
            local text = gz.Text("")
            text:show()
            local lines = {}
            gz.spawn({"./job", "-c", "echo job in $(pwd) with $GREETING"}, {env = {GREETING = "hi"}, on_line = function(line) lines[#lines + 1] = line end,
                on_exit = function(code) text:text("RESULT " .. table.concat(lines, ",") .. " " .. tostring(code)) end})
            """, run: [job.path])
        #expect(harness.boot.error == nil)
        let folderPath = Grants.resolved(folder.path)
        let line = try await result(harness)
        #expect(line == "job in \(folderPath) with hi 0")

        // From another folder, ./job is that folder's, as exec takes it; the refusal names it as written.
        folder.write("sub/readme", "another folder")
        folder.link("sub/job", to: "/bin/cat")
        let other = try await self.harness(#"gz.spawn({"./job"}, {cwd = "sub"})"#, run: [job.path])
        let flag = try #require(Grants.executable("./job", searchPath: nil, directory: folder.url.appendingPathComponent("sub").path))
        #expect(other.boot.error?.contains(#"test.lua:2: gz.spawn: running "./job" is not allowed; start gizmolua with --allow-run=\#(flag)"#) == true)
    }

    // MARK: Lines, ends, signals, input

    @Test func linesOfBothStreamsInOrderThenTheExitCode() async throws {
        let harness = try await harness("""
            local out, err = {}, {}
            local text = gz.Text("")
            text:show()
            gz.spawn({"sh", "-c", "for i in 1 2 3; do echo out$i; echo err$i >&2; done; printf last; exit 3"}, {
                on_line = function(line, stream)
                    if stream == "stdout" then out[#out + 1] = line else err[#err + 1] = line end
                end,
                on_exit = function(code, signal)
                    text:text("RESULT " .. table.concat(out, ",") .. " " .. table.concat(err, ",") .. " "
                        .. tostring(code) .. " " .. tostring(signal))
                end,
            })
            """)
        #expect(harness.boot.error == nil)
        #expect(try await result(harness) == "out1,out2,out3,last err1,err2,err3 3 nil")
    }

    @Test func aSignalEndsTheProgramAndWaitAnswersIt() async throws {
        let harness = try await harness("""
            local p = gz.spawn({"sleep", "1000"})
            local before = p:running()
            p:signal("TERM")
            local code, signal = p:wait()
            local q = gz.spawn({"sleep", "1000"}, {on_exit = function(code, signal) gz.session.q = signal end})
            q:kill()
            q:wait()
            gz.Text("RESULT " .. table.concat({tostring(before), tostring(code), tostring(signal), tostring(p:running()),
                tostring(p:signal("TERM")), gz.session.q, type(p.pid)}, " ")):show()
            """)
        #expect(harness.boot.error == nil)
        #expect(try await result(harness) == "true nil TERM false false KILL number")
    }

    @Test func inputWrittenComesBackThroughCat() async throws {
        let harness = try await harness("""
            local lines = {}
            local p = gz.spawn({"cat"}, {stdin = true, on_line = function(line) lines[#lines + 1] = line end})
            p:write("hello\\nwor")
            p:write("ld\\n")
            p:close_stdin()
            local code = p:wait()
            gz.Text("RESULT " .. table.concat(lines, ",") .. " " .. tostring(code) .. " " .. tostring(p:write("late"))):show()
            """)
        #expect(harness.boot.error == nil)
        #expect(try await result(harness) == "hello,world 0 nil")
    }

    @Test func aProgramWithoutOnLineHasItsOutputDroppedAndNeverBlocks() async throws {
        let harness = try await harness("""
            local p = gz.spawn({"sh", "-c", "head -c 10000000 /dev/zero; exit 5"})
            gz.Text("RESULT " .. tostring(p:wait())):show()
            """)
        #expect(try await result(harness) == "5")
        #expect(await harness.vm.processOutputHighWater == 0)
    }

    // MARK: Ownership and bounds

    @Test func theStatesEndEndsItsProgramsAndTheirGroupsEvenThoseIgnoringTERM() async throws {
        let harness = try await harness("""
            local a = gz.spawn({"sleep", "1000"})
            local b = gz.spawn({"sh", "-c", "trap '' TERM; sleep 1000 & while :; do sleep 1; done"})
            gz.Text("RESULT " .. a.pid .. " " .. b.pid):show()
            """)
        let pids = try #require(try await result(harness)).split(separator: " ").compactMap { Int32($0) }
        #expect(pids.count == 2)
        #expect(try await eventually { Self.group(pids[1]).count >= 2 }) // the shell and its sleeps
        await harness.vm.close()
        // TERM ends the sleep; the shell ignores it, and KILL ends it and its group 3 s later.
        #expect(try await eventually(seconds: 60) { pids.allSatisfy { !Self.exists($0) } && Self.group(pids[1]).isEmpty })
    }

    @Test func aStateRunsAt32ProgramsAtOnce() async throws {
        let harness = try await harness("""
            local started = {}
            for i = 1, 32 do started[i] = gz.spawn({"sleep", "1000"}).pid end
            local ok, problem = pcall(gz.spawn, {"sleep", "1000"})
            gz.session.pids = started
            gz.Text("RESULT " .. tostring(ok) .. " " .. problem):show()
            """)
        #expect(try await result(harness) == "false gz.spawn: this state already runs 32 programs, the most it may; "
            + "wait for one to end (p:wait()) or stop one (p:kill()) first")
        #expect(await harness.vm.liveProcesses == 32)
        await harness.vm.close()
        #expect(try await eventually { await harness.vm.liveProcesses == 0 })
    }

    @Test func a100MBFloodThroughASlowConsumerNeverWaitsPastTheBound() async throws {
        // 100,000 lines of 999 bytes: the consumer is slower than sh, so the
        // reader keeps meeting a full mailbox and the program waits in write.
        let harness = try await harness("""
            local count, bad = 0, 0
            local text = gz.Text("")
            text:show()
            gz.spawn({"sh", "-c", "yes \\"$(head -c 999 /dev/zero | tr '\\\\0' x)\\" | head -c 100000000"}, {
                on_line = function(line)
                    count = count + 1
                    if #line ~= 999 then bad = bad + 1 end
                    for _ = 1, 200 do end
                end,
                on_exit = function(code) text:text("RESULT " .. count .. " " .. bad .. " " .. tostring(code)) end,
            })
            """)
        #expect(harness.boot.error == nil)
        #expect(try await result(harness, seconds: 600) == "100000 0 0")
        let highWater = await harness.vm.processOutputHighWater
        #expect(highWater > 0)
        // The bound: 256 KiB, plus what one read of the pipe (64 KiB) brings,
        // plus the start of the line that read completes (it came with the
        // read before): 67 lines of 999 bytes and their 32 bytes each at most.
        #expect(highWater <= (256 << 10) + (64 << 10) + 1000 + 67 * 32)
    }

    // MARK: gz.process

    @Test func statsOfAProcessStartedElsewhereAndTheSignalGrant() async throws {
        let sleeper = try Sleeper()
        let pid = sleeper.pid
        // Asleep, not just started: the state letter below is the kernel's now.
        #expect(try await eventually { Self.state(pid) == "S" })
        let harness = try await harness("""
            local pr = gz.process(\(pid))
            local stats = pr:stats()
            local ok, refused = pcall(function() local sent = pr:signal("TERM"); return sent end)
            gz.Text("RESULT " .. table.concat({stats.state, stats.threads, tostring(stats.rss_bytes > 0),
                tostring(stats.cpu_seconds >= 0), tostring(pr:running()), tostring(ok), refused}, " ")):show()
            """)
        #expect(harness.boot.error == nil)
        let answer = try await result(harness)
        #expect(answer == "S 1 true true true false test.lua:4: gz.process: signalling process \(pid), "
            + "which gizmolua did not start, is not allowed; start gizmolua with --allow-signal")
        #expect(Self.exists(pid))

        let granted = try await self.harness("""
            local pr = gz.process(\(pid))
            gz.Text("RESULT " .. tostring(pr:signal("TERM"))):show()
            """, signal: true)
        let sent = try await result(granted)
        #expect(sent == "true")
        #expect(try await sleeper.reap() == SIGTERM)
        let gone = try await self.harness("""
            local pr = gz.process(\(pid))
            gz.Text("RESULT " .. tostring(pr:stats()) .. " " .. tostring(pr:running())):show()
            """)
        #expect(try await result(gone) == "nil false")
    }

    @Test func aProgramThisStateStartedNeedsNoSignalGrant() async throws {
        let harness = try await harness("""
            local p = gz.spawn({"sleep", "1000"})
            local pr = gz.process(p.pid)
            local sent = pr:signal("TERM")
            local _, signal = p:wait()
            gz.Text("RESULT " .. tostring(sent) .. " " .. signal):show()
            """)
        #expect(try await result(harness) == "true TERM")
    }

    @Test func pidFilesAreReadUnderTheReadRules() async throws {
        let sleeper = try Sleeper()
        let pid = sleeper.pid
        folder.write("job.pid", "\(pid)\n")
        let elsewhere = TemporaryFolder()
        let outside = elsewhere.write("job.pid", "\(pid)\n")
        let source = """
            local inside = gz.process{pid_file = "job.pid"}
            local ok, problem = pcall(function() local pr = gz.process{pid_file = "\(outside.path)"}; return pr end)
            gz.Text("RESULT " .. inside.pid .. " " .. tostring(ok and problem.pid or problem)):show()
            """
        let refused = try await harness(source)
        let answer = try await result(refused)
        #expect(answer == "\(pid) test.lua:3: gz.process: reading \"\(outside.path)\" is not allowed; "
            + "start gizmolua with --allow-read=\(Grants.resolved(outside.path))")
        let granted = try await harness(source, read: [elsewhere.path])
        #expect(try await result(granted) == "\(pid) \(pid)")
        try await sleeper.end()
        folder.write("bad.pid", "not a pid")
        let bad = try await harness(#"gz.process{pid_file = "bad.pid"}"#)
        #expect(bad.boot.error?.contains("test.lua:2: gz.process: bad.pid does not begin with a process id") == true)
        let missing = try await harness("gz.process(0)")
        #expect(missing.boot.error?.contains("test.lua:2: gz.process: argument #1 must be a process id") == true)
    }

    // MARK: Helpers

    /// A `sleep 1000` this state did not start (posix_spawn, as another
    /// program would); reaped by ``Sleeper/end()``.
    final class Sleeper: Sendable {
        let pid: Int32

        init() throws {
            var pid: pid_t = 0
            let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sleep"), strdup("1000"), nil]
            defer { argv.forEach { free($0) } }
            // The test's thread blocks signals, and a child inherits the mask:
            // start it with none blocked, each at its default, as a shell would.
            var attributes = posix_spawnattr_t()
            posix_spawnattr_init(&attributes)
            defer { posix_spawnattr_destroy(&attributes) }
            var none = sigset_t(), all = sigset_t()
            sigemptyset(&none)
            sigfillset(&all)
            posix_spawnattr_setsigmask(&attributes, &none)
            posix_spawnattr_setsigdefault(&attributes, &all)
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
            // Its output goes nowhere: an inherited pipe would keep the test runner waiting.
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
            let status = posix_spawn(&pid, "/bin/sleep", &actions, &attributes, argv, environ)
            guard status == 0 else { throw POSIXError(.init(rawValue: status) ?? .EINVAL) }
            self.pid = pid
        }

        /// Kills it if it runs, reaps it; answers how it ended (a signal's number, or nil for an exit).
        @discardableResult
        func end() async throws -> Int32? {
            kill(pid, SIGKILL)
            return try await reap()
        }

        /// Waits (30 s at most) until it has ended.
        func reap() async throws -> Int32? {
            var status: Int32 = 0
            guard try await eventually({ waitpid(pid, &status, WNOHANG) == pid }) else { return nil }
            return status & 0x7f != 0 ? status & 0x7f : nil
        }
    }

    /// The kernel's state letter of `pid`, nil when there is no such process.
    static func state(_ pid: Int32) -> Character? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(close, offsetBy: 2)]
    }

    /// Whether `pid` is a process that has not ended (a zombie has).
    static func exists(_ pid: Int32) -> Bool {
        guard let state = state(pid) else { return false }
        return state != "Z" && state != "X"
    }

    /// The live processes of process group `pgid`.
    static func group(_ pgid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && Int32(fields[2]) == pgid && fields[0] != "Z"
        }
    }
}
