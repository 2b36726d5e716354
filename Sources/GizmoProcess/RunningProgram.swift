/// A program a state started, as the state sees it: a real ``ChildProcess``,
/// or a stand-in the test harness scripted (`t.fake_run`).
public protocol RunningProgram: Sendable {
    /// The process id the script sees.
    var pid: Int32 { get }
    /// Whether the program still runs.
    var isRunning: Bool { get }
    /// What `pr:stats()` (gz.process) answers for it: /proc's figures for a
    /// real program, what a stand-in pretends; nil once it has ended.
    var stats: ProcessStats? { get }
    /// Sends `signal` while the program runs; false when it has ended.
    @discardableResult func signal(_ signal: Int32) -> Bool
    /// KILL to the program's whole group (a state's end, after TERM).
    func killGroup()
    /// Queues bytes for the program's input.
    func write(_ bytes: [UInt8]) -> InputQueue.Outcome
    /// Closes the program's input once what is queued has been written.
    func closeInput()
}

extension ChildProcess: RunningProgram {
    public var stats: ProcessStats? { ProcessStats.read(pid: pid) }
}
