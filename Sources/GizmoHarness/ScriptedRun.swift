import GizmoProcess
#if canImport(Glibc)
import Glibc
#endif

/// The life of one run of a scripted program, as a plain state machine:
/// each event answers the actions ``ScriptedProgram`` performs (lines into
/// the mailbox, a timer on the simulated clock, the end).
///
/// Signals act as on a plain program with default dispositions: TERM, INT,
/// HUP, USR1, USR2 and KILL end it (unless its script ignores that one;
/// KILL cannot be ignored), STOP stops it, CONT continues it. As on Linux,
/// a stopped program takes only KILL and CONT: any other signal waits
/// until CONT, and then acts (so TERM to a stopped job ends it only once
/// it is continued, which is why a state's end sends TERM and then CONT).
/// While stopped, its timer may come due but prints nothing: the line due
/// is printed at CONT, and the next one `every` seconds after that.
struct ScriptedRun: Sendable {
    enum Action: Equatable, Sendable {
        case print(ProgramScript.Line)
        /// Set the timer for the next scripted line.
        case setTimer(after: Double)
        case cancelTimer
        case finish(Termination)
    }

    enum Phase: Equatable, Sendable {
        case running
        /// `due`: the timer came due while stopped (its line waits for CONT).
        case stopped(due: Bool)
        case ended(Termination)
    }

    let script: ProgramScript
    private(set) var phase: Phase = .running
    /// Scripted lines printed so far.
    private(set) var printed = 0
    /// Every signal the program got, in order, ignored and pending ones too.
    private(set) var signals: [Int32] = []
    /// Signals that came while stopped, acting at CONT.
    private var pending: [Int32] = []
    /// What the script wrote to its input: its first ``maxKeptInput`` bytes.
    private(set) var input: [UInt8] = []
    /// Every byte the script wrote to its input, kept or not.
    private(set) var inputCount = 0
    /// A stand-in reads all it is given, so a gizmo may write without end;
    /// the record keeps what a test can look at, and no more.
    static let maxKeptInput = 1 << 20
    private(set) var inputOpen: Bool

    init(script: ProgramScript, takesInput: Bool) {
        self.script = script
        inputOpen = takesInput
    }

    var isRunning: Bool {
        if case .ended = phase { return false }
        return true
    }

    var termination: Termination? {
        if case .ended(let termination) = phase { return termination }
        return nil
    }

    // MARK: Events

    /// The program starts: with no `every`, it prints every line now.
    mutating func start() -> [Action] {
        guard script.every == nil else {
            return script.output.isEmpty ? finishUnlessHeld() : [.setTimer(after: script.every!)]
        }
        let lines = script.output.map(Action.print)
        printed = script.output.count
        return lines + finishUnlessHeld()
    }

    /// The timer for the next line came due.
    mutating func timerDue() -> [Action] {
        switch phase {
        case .running: return printNext()
        case .stopped: phase = .stopped(due: true); return []
        case .ended: return []
        }
    }

    /// A signal to the program; `sent` false once it has ended.
    mutating func signal(_ number: Int32) -> (sent: Bool, actions: [Action]) {
        guard isRunning else { return (false, []) }
        signals.append(number)
        return (true, act(on: number))
    }

    /// The test prints a line now (the latest run of a ``FakeProgram``).
    mutating func emit(_ line: ProgramScript.Line) throws(ProgramScriptProblem) -> [Action] {
        switch phase {
        case .running: return [.print(line)]
        case .stopped: throw ProgramScriptProblem("it is stopped (STOP), and a stopped program prints nothing until CONT")
        case .ended(let how): throw Self.ended(how)
        }
    }

    /// The test ends the program with an exit code; lines not yet printed never are.
    mutating func end(code: Int32) throws(ProgramScriptProblem) -> [Action] {
        if case .ended(let how) = phase { throw Self.ended(how) }
        return finish(.exited(code))
    }

    mutating func write(_ bytes: [UInt8]) -> InputQueue.Outcome {
        guard inputOpen, isRunning else { return .closed }
        inputCount += bytes.count
        input += bytes.prefix(max(0, Self.maxKeptInput - input.count))
        return .queued
    }

    mutating func closeInput() { inputOpen = false }

    // MARK: Acting

    private mutating func act(on number: Int32) -> [Action] {
        if number == SIGKILL { return finish(.signaled(SIGKILL)) }
        if case .stopped(let due) = phase {
            guard number == SIGCONT else {
                if number != SIGSTOP { pending.append(number) }
                return []
            }
            phase = .running
            defer { pending = [] }
            if let ending = pending.first(where: { Self.ends($0) && !script.ignores.contains($0) }) {
                return finish(.signaled(ending))
            }
            return due ? printNext() : []
        }
        switch number {
        case SIGSTOP: phase = .stopped(due: false); return []
        case SIGCONT: return []
        default:
            guard Self.ends(number), !script.ignores.contains(number) else { return [] }
            return finish(.signaled(number))
        }
    }

    private mutating func printNext() -> [Action] {
        guard printed < script.output.count else { return [] }
        let line = script.output[printed]
        printed += 1
        if printed < script.output.count, let every = script.every {
            return [.print(line), .setTimer(after: every)]
        }
        return [.print(line)] + finishUnlessHeld()
    }

    private mutating func finishUnlessHeld() -> [Action] {
        script.hold ? [] : finish(.exited(script.exitCode))
    }

    private mutating func finish(_ termination: Termination) -> [Action] {
        phase = .ended(termination)
        inputOpen = false
        pending = []
        return [.cancelTimer, .finish(termination)]
    }

    /// Whether a signal's default action ends a program (of those a script may send).
    private static func ends(_ number: Int32) -> Bool {
        [SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGKILL].contains(number)
    }

    private static func ended(_ how: Termination) -> ProgramScriptProblem {
        switch how {
        case .exited(let code): ProgramScriptProblem("it has ended (exit code \(code))")
        case .signaled(let signal): ProgramScriptProblem("it has ended (signal \(ProcessSignal.name(of: signal)))")
        }
    }
}
