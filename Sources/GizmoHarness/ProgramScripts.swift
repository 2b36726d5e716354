import GizmoLua
import GizmoProcess
import Synchronization

/// The programs one test scripted (`t.fake_run`), which the world's
/// ``Simulation`` starts in place of real ones.
///
/// - A scripted program needs no `--allow-run` grant and no file: argv[0]
///   matches a script by the name as given (`train.sh`, `/abs/train.sh`),
///   else by its last path component, so a script for `train.sh` stands in
///   for `./train.sh` and `/abs/path/train.sh` too.
/// - Each gz.spawn of it is a new run (``ScriptedProgram``) with a pid of
///   its own, from 5,000,001 up: past 4,194,304, the most Linux hands out,
///   so no real process has one, and no signal meant for a stand-in can
///   reach a real process.
/// - Lines come at the spawn, or on the simulated clock (`every`), and
///   reach the state's mailbox in that call; the end follows the last line
///   unless the script holds. Signals act as on a plain program
///   (``ScriptedRun``).
/// - A program the test did not script is not this type's business: the
///   real one runs, under the grants, as in a server.
final class ProgramScripts: Sendable {
    /// Runs are numbered from here: the first run's pid is one more.
    static let pidBase: Int32 = 5_000_000

    private let clock: HarnessClock
    private let state = Mutex(State())

    private struct State {
        var byName: [String: FakeProgram] = [:]
        /// Every handle made, replaced ones too (their runs stay the test's to read).
        var all: [FakeProgram] = []
        var lastPID = ProgramScripts.pidBase
    }

    init(clock: HarnessClock) {
        self.clock = clock
    }

    /// Scripts `program`; a later script for the same name replaces this one
    /// for the runs that start after it.
    @discardableResult
    func script(_ program: String, _ script: ProgramScript) -> FakeProgram {
        let fake = FakeProgram(program: program, script: script)
        state.withLock { state in
            state.byName[program] = fake
            state.all.append(fake)
        }
        return fake
    }

    /// Whether argv[0] `program` has a script.
    func scripts(program: String) -> Bool { fake(for: program) != nil }

    /// Starts a run of the script for `launch.program` (argv[0] as given),
    /// printing into `output`; nil when none is scripted.
    func program(for launch: ProgramLaunch, output: OutputMailbox) -> (any RunningProgram)? {
        guard let fake = fake(for: launch.program) else { return nil }
        let pid = state.withLock { state in
            state.lastPID += 1
            return state.lastPID
        }
        let run = ScriptedProgram(pid: pid, launch: launch, script: fake.script, output: output, clock: clock)
        fake.add(run)
        run.start()
        return run
    }

    /// Every run of every program, in the order started.
    var runs: [ScriptedProgram] {
        state.withLock { $0.all }.flatMap(\.runs).sorted { $0.pid < $1.pid }
    }

    private func fake(for program: String) -> FakeProgram? {
        state.withLock { state in
            state.byName[program] ?? program.split(separator: "/").last.flatMap { state.byName[String($0)] }
        }
    }
}
