import Dispatch
import Foundation
import Subprocess
import Synchronization
#if canImport(System)
import System
#else
import SystemPackage
#endif
#if canImport(Glibc)
import Glibc
#endif

/// A program a script started: its pid, its input, its signals. Its output
/// goes to an ``OutputMailbox`` as lines, then its end.
///
/// Each program runs as `setpriv --pdeathsig KILL -- PROGRAM ARGS...`, which
/// asks the kernel to kill it when the server dies (even by `kill -9`) and
/// then execs the program under the same pid; it is started from the
/// server's ``LaunchThread``, since the death signal follows the thread that
/// forked. It leads a process group of its own, so that its signals reach
/// the jobs it starts, as Ctrl-C would. swift-subprocess reaps it.
public final class ChildProcess: Sendable {
    /// The program's process id (the leader of its process group).
    public let pid: Int32
    /// The kernel id of the thread the spawn ran on: the ``LaunchThread``
    /// (tests check it, since the death signal depends on it).
    public let spawnThread: Int32
    private let state: Mutex<State>
    private let input: InputQueue

    private struct State {
        var running = true
        var termination: Termination?
    }

    /// Where setpriv is (util-linux, in every Debian).
    public static let setpriv = "/usr/bin/setpriv"
    /// Bytes a script may queue for a program's input before `write` refuses.
    public static let maxPendingInput = 1 << 20

    private init(pid: Int32, spawnThread: Int32, input: InputQueue) {
        self.pid = pid
        self.spawnThread = spawnThread
        self.input = input
        state = Mutex(State())
    }

    /// Starts the program and answers once it runs, or why it could not start.
    ///
    /// This blocks the calling thread for the spawn itself (about a
    /// millisecond), which runs on the launch thread: `gz.spawn` answers the
    /// pid at once, in the turn that called it. The launch thread never
    /// waits for a caller, so this cannot deadlock.
    public static func start(_ launch: ProgramLaunch, output: OutputMailbox) throws(LaunchFailure) -> ChildProcess {
        Self.ignoreBrokenPipes
        guard FileManager.default.isExecutableFile(atPath: setpriv) else {
            throw LaunchFailure("gz.spawn: \(setpriv) is missing (it comes with util-linux); gizmolua starts programs through it")
        }
        let started = StartSignal()
        let input = InputQueue(open: launch.takesInput)
        var options = PlatformOptions()
        options.processGroupID = 0
        let configuration = Configuration(
            executable: .path(FilePath(setpriv)),
            arguments: Arguments(["--pdeathsig", "KILL", "--", launch.program] + launch.arguments),
            environment: .custom(Dictionary(uniqueKeysWithValues: launch.environment.map {
                (Environment.Key(rawValue: $0.key)!, $0.value)
            })),
            workingDirectory: FilePath(launch.workingDirectory),
            platformOptions: options)
        Task(executorPreference: LaunchThread.shared) {
            var child: ChildProcess?
            let thread = LaunchThread.currentThreadID
            do {
                let result = try await run(configuration, input: .inputWriter, output: .sequence, error: .sequence) { execution in
                    let process = ChildProcess(pid: execution.processIdentifier.value, spawnThread: thread, input: input)
                    child = process
                    started.answer(.success(process))
                    // Reading and writing need not hold the launch thread.
                    await withTaskExecutorPreference(globalConcurrentExecutor) {
                        await process.serve(execution, into: output)
                    }
                }
                let termination: Termination = switch result.terminationStatus {
                case .exited(let code): .exited(code)
                case .signaled(let signal): .signaled(signal)
                }
                child?.ended(termination)
                output.finish(termination)
            } catch {
                if let child {
                    // Monitoring failed after the start: report an end all the same.
                    child.ended(.exited(-1))
                    output.finish(.exited(-1))
                } else {
                    started.answer(.failure(LaunchFailure("gz.spawn: cannot start \(launch.program): \(Self.describe(error))")))
                }
            }
        }
        return try started.wait().get()
    }

    /// Reads both outputs into `output` and feeds the input, until both
    /// outputs end; then the input is closed.
    private func serve(_ execution: Execution<CustomWriteInput, SequenceOutput, SequenceOutput>,
                       into output: OutputMailbox) async {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { await Self.read(execution.standardOutput, .stdout, into: output); return true }
            group.addTask { await Self.read(execution.standardError, .stderr, into: output); return true }
            group.addTask { [input] in await input.feed(execution.standardInputWriter); return false }
            var readers = 2
            while let reader = await group.next() {
                if reader { readers -= 1 }
                if readers == 0 { break }
            }
            input.close() // both outputs ended: the program is gone or deaf
            group.cancelAll()
        }
    }

    private static func read(_ stream: SubprocessOutputSequence, _ name: OutputStream, into output: OutputMailbox) async {
        var lines = LineSplitter()
        do {
            for try await buffer in stream {
                guard output.keepsLines else { continue }
                let read = buffer.withUnsafeBytes { lines.split($0) }
                await output.offer(read, from: name)
            }
        } catch {
            // A failed read ends this output as its end would.
        }
        if let last = lines.finish() { await output.offer([last], from: name) }
    }

    private func ended(_ termination: Termination) {
        state.withLock {
            $0.running = false
            $0.termination = termination
        }
        input.close()
    }

    // MARK: For the script

    /// Whether the program still runs (it has not been reaped).
    public var isRunning: Bool { state.withLock { $0.running } }

    public var termination: Termination? { state.withLock { $0.termination } }

    /// Sends `signal` to the program's process group while the program
    /// runs; false when it has ended (its pid may be another's by now).
    @discardableResult
    public func signal(_ signal: Int32) -> Bool {
        state.withLock { state in
            guard state.running else { return false }
            return kill(-pid, signal) == 0 || kill(pid, signal) == 0
        }
    }

    /// KILL to the program's whole group, whether or not the program still
    /// runs (the jobs it started may outlive it): only for a state's end,
    /// seconds after TERM, too soon for the kernel to give the group's id to
    /// another.
    public func killGroup() {
        _ = kill(-pid, SIGKILL)
    }

    /// Queues bytes for the program's input.
    public func write(_ bytes: [UInt8]) -> InputQueue.Outcome { input.append(bytes) }

    /// Closes the program's input once what is queued has been written.
    public func closeInput() { input.close() }

    // MARK: Helpers

    /// A write to a program that closed its input must fail with EPIPE,
    /// not kill the server; children get SIGPIPE back (swift-subprocess
    /// resets every signal to its default in the child).
    private static let ignoreBrokenPipes: Void = {
        _ = Glibc.signal(SIGPIPE, SIG_IGN)
    }()

    private static func describe(_ error: any Error) -> String {
        if let error = error as? SubprocessError, let underlying = error.underlyingError {
            return String(cString: strerror(underlying.rawValue))
        }
        return "\(error)"
    }
}

/// Hands the spawn's outcome from the launch thread to the caller.
private final class StartSignal: Sendable {
    private let outcome = Mutex<Result<ChildProcess, LaunchFailure>?>(nil)
    private let semaphore = DispatchSemaphore(value: 0)

    func answer(_ result: Result<ChildProcess, LaunchFailure>) {
        outcome.withLock { $0 = result }
        semaphore.signal()
    }

    func wait() -> Result<ChildProcess, LaunchFailure> {
        semaphore.wait()
        return outcome.withLock { $0! }
    }
}
