import Foundation

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
    /// SIGTERM to the server's exit, while they spin.
    var sigtermToExitMs: Double
}

extension Benchmarks {
    /// A fresh server with `--cpu-limit 5`; `spinningSessions` sessions of
    /// `spinner.lua` launched (50 at a time), each with its page connected
    /// and its hello sent (answered only between two spins); 1 s for the
    /// timers to get going; then `spinningStarts` click-counter sessions
    /// started one after the other as the session-start row does (after 5
    /// unrecorded); then SIGTERM, timed until the process has exited.
    func startWhileSpinning() async throws -> SpinningFigures {
        let count = settings.spinningSessions
        let cpuLimit = 5.0
        let server = try await ServerProcess.start(
            binary: binary, folder: folder, name: "spinning",
            arguments: ["--cpu-limit", String(cpuLimit), "--max-sessions", String(count * 2 + settings.spinningStarts + 100)])
        defer { server.stop() }
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
            for index in 0..<(settings.spinningStarts + 5) {
                let start = clock.now
                let id = try await entry.launch(module: BenchFolder.module, script: Self.counter)
                let rendered = try await PageClient.withPage(port: port, session: id) { page in
                    _ = try await page.hello()
                    return ContinuousClock.now
                }
                if index >= 5 { samples.append((rendered - start).milliseconds) }
            }
            let signalled = clock.now
            server.stop()
            let exited = clock.now - signalled
            release.open(())
            await pages.value
            try await entry.shutdown()
            return SpinningFigures(sessions: count, failedLaunches: failed, cpuLimitSeconds: cpuLimit,
                                   sessionStartMs: Stats(samples), sigtermToExitMs: exited.milliseconds)
        } catch {
            server.stop()
            release.open(())
            await pages.value
            try? await entry.shutdown()
            throw error
        }
    }
}
