import Foundation
import Synchronization

/// Session start and shutdown while many sessions keep a core busy each.
struct SpinningFigures: Codable {
    /// Spinner sessions launched with their pages connected.
    var sessions: Int
    /// Of those, how many the server refused or failed to start.
    var failedLaunches: Int
    /// Their CPU limit (`--cpu-limit`).
    var cpuLimitSeconds: Double
    /// Entry URL to first render frame of a new click counter, as the
    /// session-start row, while they spin.
    var sessionStartMs: Stats
    /// Starts that failed or took over `startTimeoutSeconds` (left out of the figures).
    var failedStarts: Int
    var startTimeoutSeconds: Double
    /// SIGTERM to the server's exit, while they spin; nil when it had not
    /// exited after `exitTimeoutSeconds` (it was then killed).
    var sigtermToExitMs: Double?
    var exitTimeoutSeconds: Double
}

extension Benchmarks {
    /// A fresh server with `--cpu-limit 5`; `spinningSessions` sessions of
    /// `spinner.lua` launched (50 at a time), each with its page connected
    /// and its hello sent (answered only between two spins); 1 s for the
    /// timers to get going; then `spinningStarts` click-counter sessions
    /// started one after the other as the session-start row does (after 5
    /// unrecorded); then SIGTERM, timed until the process has exited. A
    /// server that cannot start sessions or stop (one whose threads the
    /// spinners took) is given up on after the timeouts, not waited for.
    func startWhileSpinning() async throws -> SpinningFigures {
        let count = settings.spinningSessions
        let cpuLimit = 5.0
        let startTimeout = 10.0
        let exitTimeout = 30.0
        let server = try await ServerProcess.start(
            binary: binary, folder: folder, name: "spinning",
            arguments: ["--cpu-limit", String(cpuLimit), "--max-sessions", String(count * 2 + settings.spinningStarts + 100)])
        defer { _ = server.stop(within: .seconds(exitTimeout)) }
        let entry = EntryClient(port: server.port)
        let port = server.port
        let parallel = settings.idleSetupParallel
        /// Opened with the number of launches that failed.
        let launched = Gate<Int>()
        let release = Gate<Void>()
        /// Each launch says whether its page connected.
        let (ready, readiness) = AsyncStream<Bool>.makeStream()
        // The pages stay connected until released, once the server has exited.
        let pages = Task {
            await withTaskGroup(of: Void.self) { group in
                var readyIterator = ready.makeAsyncIterator()
                var failed = 0
                for index in 0..<count {
                    if index >= parallel, await readyIterator.next() == false { failed += 1 }
                    group.addTask {
                        do {
                            let id = try await entry.launch(module: BenchFolder.module, script: BenchFolder.spinner)
                            try await PageClient.withPage(port: port, session: id) { page in
                                try await page.send(#"{"t":"hello","v":1}"#)
                                readiness.yield(true)
                                await release.wait()
                            }
                        } catch {
                            readiness.yield(false) // (after the server's exit, no one counts any more)
                        }
                    }
                }
                for _ in 0..<min(parallel, count) where await readyIterator.next() == false { failed += 1 }
                launched.open(failed)
            }
        }
        do {
            let failed = await launched.wait()
            try await Task.sleep(for: .seconds(1))
            var samples: [Double] = []
            var failedStarts = 0
            for index in 0..<(settings.spinningStarts + 5) {
                let start = clock.now
                do {
                    let rendered = try await withDeadline(.seconds(startTimeout)) {
                        let id = try await entry.launch(module: BenchFolder.module, script: Self.counter)
                        return try await PageClient.withPage(port: port, session: id) { page in
                            _ = try await page.hello()
                            return ContinuousClock.now
                        }
                    }
                    if index >= 5 { samples.append((rendered - start).milliseconds) }
                } catch {
                    failedStarts += 1
                }
            }
            let exited = server.stop(within: .seconds(exitTimeout))
            release.open(())
            await pages.value
            try await entry.shutdown()
            return SpinningFigures(sessions: count, failedLaunches: failed, cpuLimitSeconds: cpuLimit,
                                   sessionStartMs: Stats(samples), failedStarts: failedStarts, startTimeoutSeconds: startTimeout,
                                   sigtermToExitMs: exited?.milliseconds, exitTimeoutSeconds: exitTimeout)
        } catch {
            _ = server.stop(within: .seconds(exitTimeout))
            release.open(())
            await pages.value
            try? await entry.shutdown()
            throw error
        }
    }
}

/// Runs `body`, or throws once `deadline` has passed without it finishing;
/// then `body` is cancelled and not waited for (a hung server's client may
/// not notice).
func withDeadline<T: Sendable>(_ deadline: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let outcome = FirstOutcome<T>()
    return try await withCheckedThrowingContinuation { continuation in
        outcome.waiting(continuation)
        let work = Task {
            do {
                outcome.finish(.success(try await body()))
            } catch {
                outcome.finish(.failure(error))
            }
        }
        Task {
            try? await Task.sleep(for: deadline)
            outcome.finish(.failure(BenchError("no answer within \(deadline)")))
            work.cancel()
        }
    }
}

/// Resumes a continuation with the first of several outcomes.
private final class FirstOutcome<T: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<T, any Error>?>(nil)

    func waiting(_ continuation: CheckedContinuation<T, any Error>) {
        self.continuation.withLock { $0 = continuation }
    }

    func finish(_ result: Result<T, any Error>) {
        continuation.withLock { $0.take() }?.resume(with: result)
    }
}
