import Foundation
import GizmoProcess

/// What a state runs on when the test harness (`gizmolua test`) stands in
/// for the world: a clock the test moves (`t.advance`) and programs the
/// test scripts (`t.fake_run`). A server runs with none: timers sleep on the
/// system clock and programs are real (docs/architecture.md, "The test harness").
public protocol Simulation: Sendable {
    /// Calls `fire` once the simulated clock has moved `seconds` on from
    /// now; the answer cancels it. Timers due at the same moment fire in the
    /// order they were scheduled.
    func schedule(after seconds: Double, _ fire: @escaping @Sendable () async -> Void) -> SimulatedTimer

    /// Where the modules' data folders are (`<this>/<module>`), instead of
    /// `GIZMO_DATA_DIR`: each test has its own, and tests may run side by side.
    var dataFolders: URL { get }

    /// Variables `gz.env` shows over the process's (`t.open(script, {env =})`).
    var environment: [String: String] { get }

    /// Whether the test scripted a stand-in for `program` (argv[0] as the
    /// script gave it): such a program needs no `--allow-run` grant.
    func scripts(program: String) -> Bool

    /// The stand-in for the program `launch` starts, writing its lines into
    /// `output`; nil when the test scripted none for it (then the real
    /// program runs, if the grants allow it).
    func program(for launch: ProgramLaunch, output: OutputMailbox) -> (any RunningProgram)?
}

/// A timer of the simulated clock, until it fires or is cancelled.
public final class SimulatedTimer: Sendable {
    private let onCancel: @Sendable () -> Void

    public init(onCancel: @escaping @Sendable () -> Void) {
        self.onCancel = onCancel
    }

    public func cancel() { onCancel() }
}

/// A timer a state holds (gz.after, gz.every, gz.sleep, a gz.get's timeout).
enum StateTimer {
    case system(Task<Void, Never>)
    case simulated(SimulatedTimer)

    func cancel() {
        switch self {
        case .system(let task): task.cancel()
        case .simulated(let timer): timer.cancel()
        }
    }
}
