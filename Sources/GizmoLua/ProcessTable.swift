import Foundation
import GizmoProcess
import Synchronization

/// The programs one Lua state started (gz.spawn), and their events on
/// their way to the state.
///
/// Each program's lines wait in its own bounded ``OutputMailbox``; the first
/// event into an empty mailbox asks the state for one "process" turn, which
/// takes every waiting event of every program at once (``beginBatch()``)
/// and hands them to Lua one by one (``next()``). A program belongs to the
/// state: when the state closes, each still running gets TERM (and CONT, in
/// case it was stopped), then KILL after ``killAfter``.
///
/// Under the test harness a program may be a stand-in (``Simulation``):
/// the table keeps it as it keeps a real one, and remembers it by pid so
/// that gz.process answers for it from the stand-in rather than /proc.
final class ProcessTable: Sendable {
    /// The most programs one state may have running at once.
    static let maxLive = 32
    /// How long a program has to end after TERM before it gets KILL.
    static let killAfter: Duration = .seconds(3)

    private let state = Mutex<State>(State())
    /// Asks the state for a "process" turn; called once per batch.
    private let schedule: @Sendable () -> Void

    private struct State {
        var byID: [Int: (child: any RunningProgram, mailbox: OutputMailbox)] = [:]
        /// Every stand-in this table started, by pid, ended ones too (only
        /// under the test harness, whose tests are short).
        var standIns: [Int32: any RunningProgram] = [:]
        var lastID = 0
        var scheduled = false
        var closed = false
        /// The batch the running turn hands to Lua, and how far it got.
        var batch: [(id: Int, event: ProcessEvent)] = []
        var taken = 0
        /// The most bytes of lines that waited in a mailbox of a program that has ended.
        var endedHighWater = 0
    }

    init(schedule: @escaping @Sendable () -> Void) {
        self.schedule = schedule
    }

    /// Starts a program for the state; answers its id (the handle's key) and pid.
    /// A `simulation` is asked first for a stand-in; the real program runs
    /// only when it has none, and never when `scripted` (the launch was not
    /// checked against the grants, nor its program found, as a real one is).
    func spawn(_ launch: ProgramLaunch, simulation: (any Simulation)? = nil,
               scripted: Bool = false) throws(LaunchFailure) -> (id: Int, pid: Int32) {
        let id = try state.withLock { state throws(LaunchFailure) -> Int in
            guard !state.closed else { throw LaunchFailure("gz.spawn: this state is closing") }
            guard state.byID.count < Self.maxLive else {
                throw LaunchFailure("gz.spawn: this state already runs \(Self.maxLive) programs, the most it may; "
                    + "wait for one to end (p:wait()) or stop one (p:kill()) first")
            }
            state.lastID += 1
            return state.lastID
        }
        let mailbox = OutputMailbox(keepsLines: launch.keepsLines) { [weak self] in self?.mailboxReady() }
        let child: any RunningProgram
        let standIn = simulation?.program(for: launch, output: mailbox)
        if let standIn {
            child = standIn
        } else if scripted {
            throw LaunchFailure("gz.spawn: the test scripted \"\(launch.program)\" but gave no stand-in for it")
        } else {
            child = try ChildProcess.start(launch, output: mailbox)
        }
        let closed = state.withLock { state -> Bool in
            if !state.closed { state.byID[id] = (child, mailbox) }
            if standIn != nil { state.standIns[child.pid] = child }
            return state.closed
        }
        if closed {
            Self.end([child]) // closed while it started
        } else {
            // Lines that came before the program was filed here asked for a
            // turn that found nothing; ask again.
            mailboxReady()
        }
        return (id, child.pid)
    }

    func child(_ id: Int) -> (any RunningProgram)? { state.withLock { $0.byID[id]?.child } }

    /// The state's program whose pid is `pid`, while it runs.
    func child(pid: Int32) -> (any RunningProgram)? {
        state.withLock { state in state.byID.values.first { $0.child.pid == pid && $0.child.isRunning }?.child }
    }

    /// The stand-in this state started with pid `pid`, running or ended.
    func standIn(pid: Int32) -> (any RunningProgram)? { state.withLock { $0.standIns[pid] } }

    var liveCount: Int { state.withLock { $0.byID.count } }

    /// The most bytes of lines that ever waited for the state in one program's mailbox.
    var highWater: Int {
        state.withLock { state in state.byID.values.map(\.mailbox.highWater).reduce(state.endedHighWater, max) }
    }

    private func mailboxReady() {
        let ask = state.withLock { state -> Bool in
            guard !state.scheduled, !state.closed else { return false }
            state.scheduled = true
            return true
        }
        if ask { schedule() }
    }

    /// Takes every waiting event for the turn that starts; false when none waits.
    /// A program whose end is taken leaves the table (it no longer counts
    /// toward ``maxLive``); its handle then only answers that it has ended.
    func beginBatch() -> Bool {
        state.withLock { state in
            state.scheduled = false
            for id in state.byID.keys.sorted() {
                for event in state.byID[id]!.mailbox.take() {
                    state.batch.append((id, event))
                    if case .exit = event {
                        state.endedHighWater = max(state.endedHighWater, state.byID[id]!.mailbox.highWater)
                        state.byID[id] = nil
                    }
                }
            }
            return state.taken < state.batch.count
        }
    }

    /// The next event of the batch, or nil at its end.
    func next() -> (id: Int, event: ProcessEvent)? {
        state.withLock { state in
            guard state.taken < state.batch.count else { return nil }
            defer { state.taken += 1 }
            return state.batch[state.taken]
        }
    }

    /// The turn is over: answers whether events of its batch are left (the
    /// turn was stopped), which the next turn delivers.
    func endBatch() -> Bool {
        state.withLock { state in
            if state.taken >= state.batch.count {
                state.batch = []
                state.taken = 0
                return false
            }
            state.batch.removeFirst(state.taken)
            state.taken = 0
            return true
        }
    }

    /// The state closes: every program still running is ended (TERM, then
    /// KILL), and their output is read and dropped until they are gone.
    func close() {
        let children = state.withLock { state in
            state.closed = true
            state.batch = []
            defer { state.byID = [:] }
            return state.byID.values.map { entry in
                entry.mailbox.discard()
                return entry.child
            }
        }
        Self.end(children)
    }

    /// TERM (and CONT, so a stopped program sees it), then KILL after
    /// ``killAfter`` to each group whose program ran at TERM time.
    private static func end(_ children: [any RunningProgram]) {
        let running = children.filter { child in
            child.closeInput()
            guard child.signal(SIGTERM) else { return false }
            child.signal(SIGCONT)
            return true
        }
        guard !running.isEmpty else { return }
        Task {
            try? await Task.sleep(for: killAfter)
            for child in running { child.killGroup() }
        }
    }
}
