import GizmoProcess
import Synchronization

/// A test's handle on a scripted program (`t.fake_run`): every run the
/// gizmo started of it, and actions on the latest run.
///
/// A later script for the same program (``ProgramScripts/script(_:_:)``)
/// gives a new handle; this one keeps the runs it had, and gets no more.
final class FakeProgram: Sendable {
    /// The name the test scripted (argv[0] as given, or its last component).
    let program: String
    let script: ProgramScript
    private let started = Mutex<[ScriptedProgram]>([])

    init(program: String, script: ProgramScript) {
        self.program = program
        self.script = script
    }

    /// Every run, oldest first: one per gz.spawn of this program.
    var runs: [ScriptedProgram] { started.withLock { $0 } }

    /// The run started last, if any.
    var latest: ScriptedProgram? { started.withLock { $0.last } }

    func add(_ run: ScriptedProgram) { started.withLock { $0.append(run) } }

    /// The latest run prints `text` now, on `stream`.
    func emit(_ text: String, on stream: OutputStream = .stdout) throws(ProgramScriptProblem) {
        try latestRun().emit(text, on: stream)
    }

    /// The latest run ends now with an exit code (its lines not yet printed never are).
    func end(code: Int = 0) throws(ProgramScriptProblem) {
        try latestRun().end(code: code)
    }

    private func latestRun() throws(ProgramScriptProblem) -> ScriptedProgram {
        guard let run = latest else {
            throw ProgramScriptProblem("\(program) has not been started: no gizmo ran it with gz.spawn yet")
        }
        return run
    }
}
