import Foundation
import Synchronization
import Testing
@testable import GizmoProcess

/// Programs started through setpriv from the launch thread, read as lines.
struct ChildProcessTests {
    /// Starts `argv` with what a script would give; the mailbox gets its events.
    func start(_ argv: [String], stdin: Bool = false, keepsLines: Bool = true, env: [(String, String)] = [],
               cwd: String = "/") throws -> (ChildProcess, OutputMailbox) {
        let mailbox = OutputMailbox(keepsLines: keepsLines) {}
        let launch = ProgramLaunch(program: ProgramLaunch.resolve(argv[0], searchPath: nil)!,
                                   arguments: Array(argv.dropFirst()),
                                   environment: try ProgramLaunch.environment(adding: env).get(),
                                   workingDirectory: cwd, keepsLines: keepsLines, takesInput: stdin)
        return (try ChildProcess.start(launch, output: mailbox), mailbox)
    }

    /// Every event until the program's end (30 s at most).
    func events(_ mailbox: OutputMailbox) async throws -> [ProcessEvent] {
        var seen: [ProcessEvent] = []
        _ = try await eventually {
            seen += mailbox.take()
            if case .exit? = seen.last { return true } else { return false }
        }
        return seen
    }

    @Test func theSpawnRunsOnTheLaunchThreadWhateverThreadAsks() throws {
        let (child, _) = try start(["true"])
        #expect(child.spawnThread == LaunchThread.shared.threadID)
        #expect(child.spawnThread != LaunchThread.currentThreadID)
        #expect(child.spawnThread != 0)
    }

    @Test func linesOfBothStreamsInOrderThenTheExitCode() async throws {
        let (_, mailbox) = try start(["sh", "-c", "echo a; echo b >&2; echo c; printf d; exit 7"])
        let seen = try await events(mailbox)
        #expect(seen.filter { if case .line(.stdout, _) = $0 { true } else { false } }
                == [.line(.stdout, "a"), .line(.stdout, "c"), .line(.stdout, "d")])
        #expect(seen.contains(.line(.stderr, "b")))
        #expect(seen.last == .exit(.exited(7)))
    }

    @Test func aSignalReachesTheProgramsGroupAndEndsIt() async throws {
        // The shell's own child, sleep, is in the program's group too.
        let (child, mailbox) = try start(["sh", "-c", "sleep 1000 & echo $!; wait"])
        var seen: [ProcessEvent] = []
        #expect(try await eventually { seen += mailbox.take(); return !seen.isEmpty })
        guard case .line(_, let text)? = seen.first, let sleeper = Int32(text) else {
            Issue.record("no pid line: \(seen)")
            return
        }
        #expect(child.isRunning)
        #expect(child.signal(SIGTERM))
        let rest = try await events(mailbox)
        #expect(rest.last == .exit(.signaled(SIGTERM)))
        #expect(try await eventually { !ProcessStats.isRunning(pid: sleeper) })
        #expect(!child.isRunning)
        #expect(!child.signal(SIGTERM)) // ended: its pid is no longer its own
    }

    @Test func inputWrittenComesBackThroughCat() async throws {
        let (child, mailbox) = try start(["cat"], stdin: true)
        #expect(child.write(Array("hello\nwor".utf8)) == .queued)
        #expect(child.write(Array("ld\n".utf8)) == .queued)
        child.closeInput()
        #expect(child.write(Array("late".utf8)) == .closed)
        let seen = try await events(mailbox)
        #expect(seen == [.line(.stdout, "hello"), .line(.stdout, "world"), .exit(.exited(0))])
    }

    @Test func inputIsBoundedAndClosedWithoutStdin() async throws {
        let (child, mailbox) = try start(["sleep", "1000"], stdin: true)
        #expect(child.write([UInt8](repeating: 0, count: ChildProcess.maxPendingInput)) == .queued)
        // sleep never reads: what waits stays within the bound.
        if case .full = child.write([1, 2, 3]) {} else { Issue.record("a write past 1 MiB was queued") }
        child.signal(SIGKILL)
        _ = try await events(mailbox)

        let (silent, silentBox) = try start(["cat"])
        #expect(silent.write([1]) == .closed)
        #expect(try await events(silentBox) == [.exit(.exited(0))]) // its input was empty
    }

    @Test func theEnvironmentIsMinimalWithTheScriptsVariables() async throws {
        setenv("GIZMO_TOKEN", "secret-for-the-test", 1)
        let (_, mailbox) = try start(["env"], env: [("JOB", "demo"), ("N", "3")])
        let lines = try await events(mailbox).compactMap { if case .line(_, let line) = $0 { line } else { nil } }
        let names = Set(lines.map { String($0.prefix { $0 != "=" }) })
        #expect(names.isSubset(of: ["PATH", "HOME", "LANG", "TZ", "JOB", "N"]))
        #expect(lines.contains("JOB=demo") && lines.contains("N=3") && names.contains("PATH"))
        #expect(!lines.contains { $0.contains("secret-for-the-test") })
    }

    @Test func theEnvironmentsChecks() {
        let server = ["PATH": "/bin", "HOME": "/root", "GIZMO_TOKEN": "x", "TZ": "UTC", "OTHER": "y"]
        #expect(try! ProgramLaunch.environment(adding: [("A_1", "v")], server: server).get()
                == ["PATH": "/bin", "HOME": "/root", "TZ": "UTC", "LANG": "C.UTF-8", "A_1": "v"])
        #expect(ProgramLaunch.environment(adding: [("1A", "v")], server: server)
                == .failure(LaunchFailure("gz.spawn: env: \"1A\" is not a variable name (letters, digits and '_', not starting with a digit)")))
        #expect(ProgramLaunch.environment(adding: [("A", "a\0b")], server: server)
                == .failure(LaunchFailure("gz.spawn: env: the value of A holds a NUL byte")))
        #expect(ProgramLaunch.environment(adding: [("A", String(repeating: "v", count: 200_000))], server: server)
                == .failure(LaunchFailure("gz.spawn: env holds more than 128 KiB, the most allowed")))
    }

    @Test func argvIsBounded() {
        #expect(ProgramLaunch.check(arguments: ["ls"]) == nil)
        #expect(ProgramLaunch.check(arguments: Array(repeating: "a", count: 4097))
                == "gz.spawn: argv has 4097 items; at most 4096 are allowed")
        #expect(ProgramLaunch.check(arguments: ["ls", String(repeating: "a", count: 600_000)])
                == "gz.spawn: argv holds 585 KiB; at most 512 KiB are allowed")
        #expect(ProgramLaunch.check(arguments: [""]) == "gz.spawn: the program (argv[1]) is an empty string")
    }

    @Test func aProgramThatCannotStartSaysWhy() {
        #expect(throws: LaunchFailure.self) { try start(["true"], cwd: "/no/such/folder") }
    }
}
