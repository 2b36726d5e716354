import GizmoLua
import GizmoProcess
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One run of a scripted program: the stand-in a state holds in place of
/// a real program (``RunningProgram``), and the test's record of it.
///
/// Its lines reach the state's ``OutputMailbox`` synchronously, in the call
/// that makes them due (the spawn, the clock's timer firing, a signal, the
/// test's `emit`), never from a task of its own: when that call returns,
/// the state's "process" turn is already asked for, so the harness's
/// settling sees it. Its behaviour is ``ScriptedRun``'s.
final class ScriptedProgram: RunningProgram, Sendable {
    /// A pid past 4,194,304, the most Linux hands out: no real process has it.
    let pid: Int32
    /// argv as the script gave it (argv[0] not looked up on PATH).
    let argv: [String]
    /// The folder it was started in.
    let cwd: String
    /// Its whole environment, as a real program would get it.
    let environment: [String: String]

    private let run: Mutex<ScriptedRun>
    /// Held while an event's actions are performed, so that two events
    /// (the clock's timer and a signal from the state) print in the order
    /// they happened. Taken before ``run``, and never while the mailbox's
    /// state (or its table) is locked by the caller.
    private let acting = Mutex(())
    private let timer = Mutex<SimulatedTimer?>(nil)
    private let output: OutputMailbox
    private let clock: HarnessClock

    init(pid: Int32, launch: ProgramLaunch, script: ProgramScript, output: OutputMailbox, clock: HarnessClock) {
        self.pid = pid
        argv = [launch.program] + launch.arguments
        cwd = launch.workingDirectory
        environment = launch.environment
        run = Mutex(ScriptedRun(script: script, takesInput: launch.takesInput))
        self.output = output
        self.clock = clock
    }

    /// Prints what is due at the start (every line, without `every`).
    func start() { perform { $0.start() } }

    // MARK: What the test reads

    var isRunning: Bool { run.withLock { $0.isRunning } }
    /// Whether it is stopped (STOP, not yet CONT).
    var isStopped: Bool {
        run.withLock { if case .stopped = $0.phase { true } else { false } }
    }
    var termination: Termination? { run.withLock { $0.termination } }
    /// Every signal it got, in order (those it ignored, and those that
    /// waited while it was stopped, too).
    var signals: [Int32] { run.withLock { $0.signals } }
    /// ``signals`` by name: "TERM", "STOP", ...
    var signalNames: [String] { signals.map(ProcessSignal.name(of:)) }
    /// The bytes the script wrote to its input (the first MiB of them).
    var input: [UInt8] { run.withLock { $0.input } }
    /// How many bytes the script wrote to its input in all.
    var inputCount: Int { run.withLock { $0.inputCount } }
    /// Whether its input is still open (`stdin = true`, not closed, running).
    var inputOpen: Bool { run.withLock { $0.inputOpen } }
    /// How many of its scripted lines it has printed.
    var printedLines: Int { run.withLock { $0.printed } }

    /// A stand-in's figures for gz.process: "T" stopped, else "S" (it
    /// sleeps between lines); no CPU time, no memory, one thread.
    var stats: ProcessStats? {
        run.withLock { run in
            switch run.phase {
            case .ended: nil
            case .stopped: ProcessStats(state: "T", cpuSeconds: 0, rssBytes: 0, threads: 1)
            case .running: ProcessStats(state: "S", cpuSeconds: 0, rssBytes: 0, threads: 1)
            }
        }
    }

    // MARK: What the test does (FakeProgram, for the latest run)

    /// Prints a line now, on `stream`.
    func emit(_ text: String, on stream: OutputStream = .stdout) throws(ProgramScriptProblem) {
        let line = ProgramScript.Line(stream: stream, text: text)
        // The same checks as a scripted line's.
        _ = try ProgramScript(output: [line])
        try performChecked { run throws(ProgramScriptProblem) in try run.emit(line) }
    }

    /// Ends it now with an exit code (0 to 255).
    func end(code: Int) throws(ProgramScriptProblem) {
        guard (0...255).contains(code) else { throw ProgramScriptProblem("the exit code must be from 0 to 255, not \(code)") }
        try performChecked { run throws(ProgramScriptProblem) in try run.end(code: Int32(code)) }
    }

    // MARK: RunningProgram (what the state does)

    @discardableResult
    func signal(_ signal: Int32) -> Bool {
        acting.withLock { _ in
            let (sent, actions) = run.withLock { $0.signal(signal) }
            actions.forEach(act)
            return sent
        }
    }

    /// A stand-in leads no group: KILL to it alone.
    func killGroup() { signal(SIGKILL) }

    func write(_ bytes: [UInt8]) -> InputQueue.Outcome { run.withLock { $0.write(bytes) } }

    func closeInput() { run.withLock { $0.closeInput() } }

    // MARK: Performing

    private func perform(_ event: (inout ScriptedRun) -> [ScriptedRun.Action]) {
        acting.withLock { _ in
            let actions = run.withLock { event(&$0) }
            actions.forEach(act)
        }
    }

    /// An event of the test's, which may be refused (the run has ended, ...).
    private func performChecked(_ event: (inout ScriptedRun) throws(ProgramScriptProblem) -> [ScriptedRun.Action])
        throws(ProgramScriptProblem) {
        try acting.withLock { _ throws(ProgramScriptProblem) in
            let actions = try run.withLock { run throws(ProgramScriptProblem) in try event(&run) }
            actions.forEach(act)
        }
    }

    private func act(_ action: ScriptedRun.Action) {
        switch action {
        case .print(let line):
            output.deliver([line.text], from: line.stream)
        case .setTimer(let seconds):
            let next = clock.schedule(after: seconds) { [weak self] in self?.perform { $0.timerDue() } }
            timer.withLock { $0 = next }
        case .cancelTimer:
            timer.withLock { timer in
                timer?.cancel()
                timer = nil
            }
        case .finish(let termination):
            output.finish(termination)
        }
    }
}
