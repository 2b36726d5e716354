import Foundation
import GizmoGrants
@testable import GizmoHarness
import GizmoLua
import GizmoProcess
import GizmoTestFixtures
import Logging
import Synchronization
import Testing

/// Scripted programs (`t.fake_run`) as a gizmo sees them: a real GizmoVM
/// whose simulation is a HarnessClock and ProgramScripts. Nothing here
/// waits on time: the clock moves only when a test advances it, and each
/// wait is for an event, with a deadline of tens of seconds.
struct ProgramScriptsTests {
    let folder = TemporaryFolder()

    /// The log every test script keeps: each line and end it saw, joined by "|".
    static let logging = """
        local gz = require("gizmo")
        local seen = {}
        local log = gz.Text("")
        local function note(text)
            seen[#seen + 1] = text
            log:text("LOG " .. table.concat(seen, "|"))
        end
        local function on_line(line, stream) note(stream .. ":" .. line) end
        local function on_exit(code, signal) note("exit:" .. tostring(code) .. ":" .. tostring(signal)) end
        log:show()

        """

    func gizmo(_ source: String, scripts: (ProgramScripts) throws -> Void = { _ in },
               grants: Grants = .none) async throws -> (GizmoUnderTest, ProgramScripts) {
        let world = TestWorld()
        try scripts(world.scripts)
        let gizmo = try await GizmoUnderTest(Self.logging + source, world: world, grants: grants, directory: folder.url)
        return (gizmo, world.scripts)
    }

    // MARK: Spawning

    @Test func aScriptedProgramRunsWithoutAGrantAndItsLinesThenItsEndArriveInOrder() async throws {
        let (gizmo, scripts) = try await gizmo("""
            local p = gz.spawn({"train.sh", "--epochs", "2"}, {env = {RUN = "demo"}, on_line = on_line, on_exit = on_exit})
            note("pid:" .. p.pid)
            """, scripts: { scripts in
                try scripts.script("train.sh", ProgramScript(lines: ["step 1", "step 2"], stderr: ["warning"], exit: 3))
            })
        #expect(gizmo.boot.error == nil)
        let run = try #require(scripts.runs.first)
        #expect(run.pid > Int32(ProcessStats.maxPID))
        #expect(run.argv == ["train.sh", "--epochs", "2"])
        #expect(run.cwd == folder.url.path)
        #expect(run.environment["RUN"] == "demo")
        #expect(run.environment["GIZMO_TOKEN"] == nil)
        try await gizmo.waitForLog("pid:\(run.pid)|stdout:step 1|stdout:step 2|stderr:warning|exit:3:nil")
        #expect(run.termination == .exited(3))
        #expect(!run.isRunning)
        #expect(await gizmo.vm.liveProcesses == 0)
    }

    @Test func aProgramNamedByAPathMatchesTheScriptForItsName() async throws {
        let (gizmo, scripts) = try await gizmo("""
            gz.spawn({"./train.sh"}, {on_line = on_line, on_exit = on_exit})
            gz.spawn({"/opt/jobs/train.sh"}, {on_exit = on_exit})
            """, scripts: { try $0.script("train.sh", ProgramScript(lines: ["ok"])) })
        #expect(gizmo.boot.error == nil)
        try await gizmo.waitForLog("stdout:ok|exit:0:nil|exit:0:nil")
        let runs = scripts.runs
        #expect(runs.map { $0.argv[0] } == ["./train.sh", "/opt/jobs/train.sh"])
        #expect(Set(runs.map(\.pid)).count == 2)
    }

    @Test func anUnscriptedProgramIsStillRefusedWithoutAGrant() async throws {
        let (gizmo, _) = try await gizmo(#"gz.spawn({"sh", "-c", "true"})"#,
                                         scripts: { try $0.script("python3", ProgramScript(lines: ["hi"])) })
        #expect(gizmo.boot.error?.contains(#"gz.spawn: running "sh" is not allowed; start gizmolua with --allow-run=sh"#) == true,
                "\(gizmo.boot.error ?? "no error")")
    }

    @Test func anUnscriptedProgramThatIsGrantedRunsForReal() async throws {
        let (gizmo, scripts) = try await gizmo(#"gz.spawn({"sh", "-c", "echo real; exit 5"}, {on_line = on_line, on_exit = on_exit})"#,
                                               scripts: { try $0.script("python3", ProgramScript(lines: ["fake"])) },
                                               grants: Grants(run: ["sh"]))
        #expect(gizmo.boot.error == nil)
        try await gizmo.waitForLog("stdout:real|exit:5:nil")
        #expect(scripts.runs.isEmpty)
    }

    @Test func aLaterScriptForTheSameProgramStandsInForTheRunsAfterIt() async throws {
        let world = TestWorld()
        let first = world.scripts.script("job", try ProgramScript(lines: ["one"]))
        let second = world.scripts.script("job", try ProgramScript(lines: ["two"], exit: 1))
        let gizmo = try await GizmoUnderTest(Self.logging + #"gz.spawn({"job"}, {on_line = on_line, on_exit = on_exit})"#,
                                             world: world, directory: folder.url)
        try await gizmo.waitForLog("stdout:two|exit:1:nil")
        #expect(first.runs.isEmpty)
        #expect(second.runs.count == 1)
    }

    // MARK: The clock

    @Test func linesEverySecondsComeOnlyAsTheClockMoves() async throws {
        let (gizmo, scripts) = try await gizmo(#"gz.spawn({"python3", "train.py"}, {on_line = on_line, on_exit = on_exit})"#,
                                               scripts: { try $0.script("python3", ProgramScript(lines: ["a", "b", "c"], every: 2)) })
        let run = try #require(scripts.runs.first)
        #expect(run.printedLines == 0)
        await gizmo.advance(1.9)
        #expect(run.printedLines == 0)
        await gizmo.advance(0.1)
        #expect(run.printedLines == 1)
        try await gizmo.waitForLog("stdout:a")
        await gizmo.advance(2)
        try await gizmo.waitForLog("stdout:a|stdout:b")
        #expect(run.isRunning)
        await gizmo.advance(10)
        try await gizmo.waitForLog("stdout:a|stdout:b|stdout:c|exit:0:nil")
        #expect(gizmo.world.clock.pendingCount == 0)
    }

    @Test func aHeldProgramRunsOnAfterItsLinesUntilTheTestEndsIt() async throws {
        let world = TestWorld()
        let server = world.scripts.script("server", try ProgramScript(lines: ["ready"], hold: true))
        #expect(throws: ProgramScriptProblem("server has not been started: no gizmo ran it with gz.spawn yet")) {
            try server.emit("early")
        }
        let gizmo = try await GizmoUnderTest(Self.logging + #"gz.spawn({"server"}, {on_line = on_line, on_exit = on_exit})"#,
                                             world: world, directory: folder.url)
        try await gizmo.waitForLog("stdout:ready")
        #expect(try #require(server.latest).isRunning)
        try server.emit("request 1")
        try server.emit("oops", on: .stderr)
        try await gizmo.waitForLog("stdout:ready|stdout:request 1|stderr:oops")
        #expect(throws: ProgramScriptProblem("lines[1] holds a line break; give each line as an item of its own")) {
            try server.emit("two\nlines")
        }
        try server.end(code: 7)
        try await gizmo.waitForLog("stdout:ready|stdout:request 1|stderr:oops|exit:7:nil")
        #expect(throws: ProgramScriptProblem("it has ended (exit code 7)")) { try server.emit("late") }
    }

    // MARK: Signals

    @Test func stopPausesTheScheduledLinesAndContResumesThem() async throws {
        let (gizmo, scripts) = try await gizmo("""
            local p = gz.spawn({"job"}, {on_line = on_line, on_exit = on_exit})
            gz.after(1.5, function() note("stop:" .. tostring(p:signal("STOP"))) end)
            gz.after(4.5, function() note("cont:" .. tostring(p:signal("CONT"))) end)
            """, scripts: { try $0.script("job", ProgramScript(lines: ["1", "2", "3"], every: 1)) })
        let run = try #require(scripts.runs.first)
        await gizmo.advance(1.5)
        try await gizmo.waitForLog("stdout:1|stop:true")
        #expect(run.isStopped)
        #expect(run.stats?.state == "T")
        await gizmo.advance(2.5) // the line due at 2 waits: a stopped program prints nothing
        #expect(run.printedLines == 1)
        await gizmo.advance(0.5) // CONT at 4.5: the line due prints now, the next one 1 s later
        #expect(run.printedLines == 2)
        try await gizmo.waitForLog("stdout:1|stop:true|cont:true|stdout:2")
        await gizmo.advance(0.9)
        #expect(run.printedLines == 2)
        await gizmo.advance(0.1)
        try await gizmo.waitForLog("stdout:1|stop:true|cont:true|stdout:2|stdout:3|exit:0:nil")
        #expect(run.signalNames == ["STOP", "CONT"])
    }

    @Test func termEndsItByTheSignalAndItsLinesStop() async throws {
        let (gizmo, scripts) = try await gizmo("""
            local p = gz.spawn({"job"}, {on_line = on_line, on_exit = on_exit})
            gz.after(1.5, function() p:signal("TERM") end)
            gz.after(2, function() note("after:" .. tostring(p:signal("TERM")) .. ":" .. tostring(p:running())) end)
            """, scripts: { try $0.script("job", ProgramScript(lines: ["1", "2", "3"], every: 1)) })
        await gizmo.advance(1.5)
        try await gizmo.waitForLog("stdout:1|exit:nil:TERM")
        await gizmo.advance(5)
        try await gizmo.waitForLog("stdout:1|exit:nil:TERM|after:false:false")
        let run = try #require(scripts.runs.first)
        #expect(run.termination == .signaled(SIGTERM))
        #expect(run.printedLines == 1)
        #expect(run.signalNames == ["TERM"])
        #expect(gizmo.world.clock.pendingCount == 0)
    }

    @Test func aProgramThatIgnoresTermRunsOnUntilKill() async throws {
        let (gizmo, scripts) = try await gizmo("""
            local p = gz.spawn({"stubborn"}, {on_line = on_line, on_exit = on_exit})
            gz.after(1, function() note("term:" .. tostring(p:signal("TERM")) .. ":" .. tostring(p:running())) end)
            gz.after(2, function() p:kill() end)
            """, scripts: { try $0.script("stubborn", ProgramScript(hold: true, ignores: ["TERM"])) })
        await gizmo.advance(1)
        try await gizmo.waitForLog("term:true:true")
        await gizmo.advance(1)
        try await gizmo.waitForLog("term:true:true|exit:nil:KILL")
        #expect(try #require(scripts.runs.first).signalNames == ["TERM", "KILL"])
    }

    @Test func termToAStoppedProgramActsOnlyAtCont() async throws {
        let (gizmo, scripts) = try await gizmo("""
            local p = gz.spawn({"job"}, {on_line = on_line, on_exit = on_exit})
            gz.after(1, function() p:signal("STOP"); p:signal("TERM"); note("running:" .. tostring(p:running())) end)
            gz.after(2, function() p:signal("CONT") end)
            """, scripts: { try $0.script("job", ProgramScript(hold: true)) })
        await gizmo.advance(1)
        try await gizmo.waitForLog("running:true")
        await gizmo.advance(1)
        try await gizmo.waitForLog("running:true|exit:nil:TERM")
        #expect(try #require(scripts.runs.first).signalNames == ["STOP", "TERM", "CONT"])
    }

    @Test func theStatesEndEndsItsStandInsAsItEndsRealPrograms() async throws {
        let (gizmo, scripts) = try await gizmo("""
            gz.spawn({"running"}, {on_line = on_line})
            local stopped = gz.spawn({"stopped"})
            stopped:signal("STOP")
            """, scripts: { scripts in
                try scripts.script("running", ProgramScript(lines: ["up"], hold: true))
                try scripts.script("stopped", ProgramScript(lines: ["1", "2"], every: 1))
            })
        try await gizmo.waitForLog("stdout:up")
        await gizmo.vm.close()
        let runs = scripts.runs
        #expect(runs.map(\.termination) == [.signaled(SIGTERM), .signaled(SIGTERM)])
        // The running one ended at TERM, so the CONT after it found it gone.
        #expect(runs.map(\.signalNames) == [["TERM"], ["STOP", "TERM", "CONT"]])
        #expect(gizmo.world.clock.pendingCount == 0)
    }

    @Test func aStandInThatIgnoresTermGetsTheStatesKillAfterIt() async throws {
        let (gizmo, scripts) = try await gizmo(#"gz.spawn({"stubborn"})"#,
                                               scripts: { try $0.script("stubborn", ProgramScript(hold: true, ignores: ["TERM"])) })
        let run = try #require(scripts.runs.first)
        await gizmo.vm.close()
        #expect(run.isRunning) // TERM ignored; the KILL comes a few seconds later, as to a real program
        let deadline = ContinuousClock.now + .seconds(30)
        while run.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(run.termination == .signaled(SIGKILL))
        #expect(run.signalNames == ["TERM", "CONT", "KILL"])
    }

    // MARK: Input, and gz.process

    @Test func whatTheScriptWritesToItsInputIsRecorded() async throws {
        let (gizmo, scripts) = try await gizmo("""
            local p = gz.spawn({"cat"}, {stdin = true, on_exit = on_exit})
            note("write:" .. tostring(p:write("hello\\n")))
            p:write("world")
            p:close_stdin()
            note("closed:" .. tostring(p:write("more")))
            """, scripts: { try $0.script("cat", ProgramScript(hold: true)) })
        #expect(gizmo.boot.error == nil)
        try await gizmo.waitForLog("write:true|closed:nil")
        let run = try #require(scripts.runs.first)
        #expect(String(decoding: run.input, as: UTF8.self) == "hello\nworld")
        #expect(!run.inputOpen)
    }

    @Test func gzProcessAnswersForAStandInFromTheStandIn() async throws {
        let (gizmo, scripts) = try await gizmo("""
            local p = gz.spawn({"job"})
            local pr = gz.process(p.pid)
            note("running:" .. tostring(pr:running()) .. ":" .. pr:stats().state)
            pr:signal("STOP")
            note("stopped:" .. pr:stats().state)
            gz.after(1, function()
                pr:signal("TERM")
                pr:signal("CONT")
                gz.after(1, function()
                    local sent, problem = pr:signal("TERM")
                    note("ended:" .. tostring(pr:running()) .. ":" .. tostring(pr:stats()) .. ":" .. tostring(problem))
                end)
            end)
            """, scripts: { try $0.script("job", ProgramScript(hold: true)) })
        #expect(gizmo.boot.error == nil, "\(gizmo.boot.error ?? "")")
        let pid = try #require(scripts.runs.first).pid
        await gizmo.advance(2)
        try await gizmo.waitForLog("running:true:S|stopped:T|ended:false:nil:gz.process: cannot signal process \(pid): it has ended")
        #expect(try #require(scripts.runs.first).signalNames == ["STOP", "TERM", "CONT"])
    }

    @Test func aPidPastTheRealRangeIsRefusedUnlessItIsAStandIns() async throws {
        let (gizmo, _) = try await gizmo("gz.process(\(ProgramScripts.pidBase + 1))")
        #expect(gizmo.boot.error?.contains("gz.process: argument #1 must be a process id (a whole number from 1 to 4194304)") == true,
                "\(gizmo.boot.error ?? "no error")")
    }
}

/// The world of one test here: the simulated clock and the scripted programs.
final class TestWorld: Simulation {
    let clock = HarnessClock()
    let scripts: ProgramScripts

    init() { scripts = ProgramScripts(clock: clock) }

    var environment: [String: String] { [:] }
    var dataFolders: URL { FileManager.default.temporaryDirectory }

    func schedule(after seconds: Double, _ fire: @escaping @Sendable () async -> Void) -> SimulatedTimer {
        clock.schedule(after: seconds, fire)
    }

    func scripts(program: String) -> Bool { scripts.scripts(program: program) }

    func program(for launch: ProgramLaunch, output: OutputMailbox) -> (any RunningProgram)? {
        scripts.program(for: launch, output: output)
    }
}

/// A gizmo's state driven as a page would drive it, without sockets: what
/// it shows is read from its frames (the text that starts with "LOG ").
final class GizmoUnderTest: Sendable {
    let vm: GizmoVM
    let boot: GizmoVM.BootResult
    let world: TestWorld
    private let frames = FrameLog()

    init(_ source: String, world: TestWorld, grants: Grants = .none, directory: URL) async throws {
        self.world = world
        let frames = self.frames
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        vm = GizmoVM(script: Script(displayPath: "test.lua", directory: directory, source: source),
                     limits: SessionLimits(grants: grants, simulation: world), logger: logger) { output in
            switch output {
            case .frame(let text), .join(_, _, let text): frames.texts.withLock { $0.append(text) }
            case .ended: break
            }
        }
        boot = try await vm.boot()
        await vm.receive(#"{"t":"hello","v":2,"p":"test-page"}"#)
    }

    /// Moves the simulated clock on, firing what comes due in order, and
    /// lets each timer's work settle before the next fires (as the
    /// harness's world does): a stand-in's lines ask for the state's turn
    /// in the call that prints them, on the state's serial queue, so a call
    /// into the state queued after them runs after that turn.
    func advance(_ seconds: Double) async {
        let target = world.clock.now + seconds
        while let fire = world.clock.takeNext(until: target) {
            await fire()
            _ = await vm.liveProcesses
        }
    }

    /// Waits (30 s at most) until the log shows exactly `expected`.
    func waitForLog(_ expected: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        var last: String?
        while ContinuousClock.now < deadline {
            last = latestLog()
            if last == expected { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        Issue.record("the log never showed \(expected); last: \(last ?? "nothing")", sourceLocation: sourceLocation)
    }

    private func latestLog() -> String? {
        var found: String?
        func search(_ value: Any) {
            if let text = value as? String, text.hasPrefix("LOG ") { found = String(text.dropFirst(4)) }
            if let node = value as? [String: Any] { node.keys.sorted().forEach { search(node[$0]!) } }
            if let list = value as? [Any] { list.forEach(search) }
        }
        for frame in frames.texts.withLock({ $0 }) {
            if let decoded = try? JSONSerialization.jsonObject(with: Data(frame.utf8)) { search(decoded) }
        }
        return found
    }
}

/// The frames a state sent, in order.
final class FrameLog: Sendable {
    let texts = Mutex<[String]>([])
}
