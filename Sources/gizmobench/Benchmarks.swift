import Foundation

/// The measurements, each against a real `gizmolua serve` over loopback.
struct Benchmarks {
    struct Settings {
        var starts = 200
        var clicks = 2000
        var warmupClicks = 200
        var concurrentSessions = 100
        var concurrentWarmup: Duration = .seconds(1)
        var concurrentWindow: Duration = .seconds(5)
        /// Each paced session's pause between clicks: 100 sessions at 10
        /// clicks a second, a busy room, well below saturation.
        var pacedPause: Duration = .milliseconds(100)
        var idleSessions = 1000
        var idleSetupParallel = 50
        var idleScript = Benchmarks.helloEnv
        var saves = 20
        var startups = 10
        /// Round trips of the loopback echo, paced like the sessions.
        var floorTrips = 50
        /// Sessions spinning in their timers while new sessions start.
        var spinningSessions = 500
        /// Sessions started, one after the other, while they spin.
        var spinningStarts = 50
        /// Sessions watching one store key in the fan-out row.
        var fanoutSessions = 1000
        /// The driver's pause between clicks: 10 changes a second.
        var fanoutPause: Duration = .milliseconds(100)
        /// Changes before the measured ones (2 s), then 20 s measured.
        var fanoutWarmup = 20
        var fanoutChanges = 200
        /// The process-output row: pages watching, a line every pause, and the loud program's bytes.
        var linesSessions = 100
        var linesPause: Duration = .milliseconds(100)
        var linesWarmup = 20
        var linesCount = 200
        var linesBulkBytes = 100_000_000
        /// First paint in Chromium: rounds measured (the gizmo's page, then
        /// its static copy), after unrecorded ones (the issue took 15 to 20).
        var firstPaintRounds = 20
        var firstPaintWarmup = 2
    }

    let binary: URL
    let folder: BenchFolder
    let settings: Settings
    let clock = ContinuousClock()

    static let counter = "click_counter"
    static let helloEnv = "hello_env"

    /// Entry URL requested to first render frame received: GET the entry
    /// URL, GET the child page it redirects to, open the WebSocket, hello,
    /// render; one session after the other.
    func sessionStart(_ server: ServerProcess, entry: EntryClient) async throws -> Stats {
        var samples: [Double] = []
        for index in 0..<(settings.starts + 10) {
            let start = clock.now
            let id = try await entry.launch(module: BenchFolder.module, script: Self.counter)
            let rendered = try await PageClient.withPage(port: server.port, session: id) { page in
                _ = try await page.hello()
                return ContinuousClock.now
            }
            if index >= 10 { samples.append((rendered - start).milliseconds) }  // the first few warm up
        }
        return Stats(samples)
    }

    /// Click sent to update frame received, on one session, one click at a time.
    func roundTripOneSession(_ server: ServerProcess, entry: EntryClient) async throws -> Stats {
        let id = try await entry.launch(module: BenchFolder.module, script: Self.counter)
        let settings = settings
        let samples = try await PageClient.withPage(port: server.port, session: id) { page in
            let callback = try PageClient.clickCallback(inRender: try await page.hello())
            var samples: [Double] = []
            samples.reserveCapacity(settings.clicks)
            for index in 0..<(settings.warmupClicks + settings.clicks) {
                let start = ContinuousClock.now
                try await page.click(callback)
                _ = try await page.receive()
                if index >= settings.warmupClicks { samples.append((ContinuousClock.now - start).milliseconds) }
            }
            return samples
        }
        return Stats(samples)
    }

    /// Many sessions, each clicking again `pause` after its update arrived
    /// (a closed loop; no pause: as fast as they can), for a fixed window
    /// after a warm-up: the round trips completed in the window, and how
    /// many per second.
    func concurrentClicks(_ server: ServerProcess, entry: EntryClient, pause: Duration?) async throws -> (Stats, Double) {
        var ids: [String] = []
        for _ in 0..<settings.concurrentSessions {
            ids.append(try await entry.launch(module: BenchFolder.module, script: Self.counter))
        }
        let go = Gate<ClosedRange<ContinuousClock.Instant>>()
        let (ready, readiness) = AsyncStream<Void>.makeStream()
        let port = server.port
        return try await withThrowingTaskGroup(of: [Double].self) { group in
            for id in ids {
                group.addTask {
                    try await PageClient.withPage(port: port, session: id) { page in
                        let callback: Int
                        do {
                            callback = try PageClient.clickCallback(inRender: try await page.hello())
                            readiness.yield()
                        } catch {
                            readiness.yield()
                            throw error
                        }
                        let window = await go.wait()
                        var samples: [Double] = []
                        if let pause {  // spread the sessions over the pause
                            try await Task.sleep(for: pause * Double.random(in: 0..<1))
                        }
                        while true {
                            if let pause { try await Task.sleep(for: pause) }
                            let start = ContinuousClock.now
                            try await page.click(callback)
                            _ = try await page.receive()
                            let end = ContinuousClock.now
                            if end > window.upperBound { break }
                            if start >= window.lowerBound { samples.append((end - start).milliseconds) }
                        }
                        return samples
                    }
                }
            }
            var waiting = ids.count
            for await _ in ready {
                waiting -= 1
                if waiting == 0 { break }
            }
            let from = clock.now + settings.concurrentWarmup
            go.open(from...(from + settings.concurrentWindow))
            var samples: [Double] = []
            for try await some in group { samples += some }
            return windowed(samples)
        }
    }

    /// The same as ``concurrentClicks(_:entry:pause:)`` with pages that click
    /// from their connections' event loops (``EventLoopPage``), so the client
    /// adds one wake-up to a round trip instead of three.
    func concurrentClicksOnEventLoops(_ server: ServerProcess, entry: EntryClient, pause: Duration?) async throws -> (Stats, Double) {
        var pages: [EventLoopPage.Connection] = []
        do {
            for _ in 0..<settings.concurrentSessions {
                let id = try await entry.launch(module: BenchFolder.module, script: Self.counter)
                pages.append(try await EventLoopPage.open(port: server.port, session: id))
            }
            let from = clock.now + settings.concurrentWarmup
            let window = from...(from + settings.concurrentWindow)
            let samples = try await withThrowingTaskGroup(of: [Double].self) { group in
                for page in pages {
                    group.addTask { try await page.clicks(pause: pause, window: window) }
                }
                var samples: [Double] = []
                for try await some in group { samples += some }
                return samples
            }
            for page in pages { await page.close() }
            return windowed(samples)
        } catch {
            for page in pages { await page.close() }
            throw error
        }
    }

    /// The round trips of a concurrent run's window, and how many per second.
    private func windowed(_ samples: [Double]) -> (Stats, Double) {
        (Stats(samples), Double(samples.count) / (settings.concurrentWindow.milliseconds / 1000))
    }

    /// The environment of a `podman run` of the image: the Dockerfile's
    /// variables and what podman adds, with values for loopback (hello_env
    /// shows each variable on its list of names, here all but `container`,
    /// with three components, so its memory grows with the environment; this
    /// one is the same on every machine).
    static func containerEnvironment(dataFolder: URL) -> [String: String] {
        [
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOSTNAME": "3f2a9c1d7b4e", "HOME": "/home/gizmo", "container": "podman",
            "GIZMO_BIND_ADDRESS": "127.0.0.1", "GIZMO_DATA_DIR": dataFolder.path, "GIZMO_LOG_OUTPUT": "stderr",
        ]
    }

    /// The bench's own environment with the modules' data (the store) in
    /// `dataFolder`, not in the user's `~/.local/share/gizmolua`.
    static func ownEnvironment(dataFolder: URL) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["GIZMO_USE_PORT"] = nil
        environment["GIZMO_STORE_URL"] = nil // a server of the bench's keeps its store where it is told
        environment["GIZMO_DATA_DIR"] = dataFolder.path
        return environment
    }

    /// RSS growth of a fresh server over `idleSessions` rendered sessions
    /// (of hello_env unless told otherwise) whose pages stay connected, per session.
    /// - Parameters:
    ///   - script: the sessions' script; nil: `idleScript`.
    ///   - environment: the server's whole environment; nil: the bench's own.
    func memoryPerIdleSession(script: String? = nil, environment: [String: String]? = nil) async throws -> MemoryFigures {
        let server = try await ServerProcess.start(
            binary: binary, folder: folder, name: "memory",
            arguments: ["--max-sessions", String(settings.idleSessions * 2), "--grace", "600"],
            environment: environment)
        defer { server.stop() }
        let entry = EntryClient(port: server.port)
        do {
            // Warm up: the library compiled, the pools and caches filled.
            for _ in 0..<20 {
                let id = try await entry.launch(module: BenchFolder.module, script: script ?? settings.idleScript)
                try await PageClient.withPage(port: server.port, session: id) { page in _ = try await page.hello() }
            }
            try await Task.sleep(for: .milliseconds(500))
            let before = try server.residentKiB()
            let release = Gate<Void>()
            let (ready, readiness) = AsyncStream<Void>.makeStream()
            let port = server.port
            let count = settings.idleSessions
            let parallel = settings.idleSetupParallel
            let script = script ?? settings.idleScript
            let after = try await withThrowingTaskGroup(of: Void.self) { group in
                var readyIterator = ready.makeAsyncIterator()
                for index in 0..<count {
                    if index >= parallel { _ = await readyIterator.next() }
                    group.addTask {
                        do {
                            let id = try await entry.launch(module: BenchFolder.module, script: script)
                            try await PageClient.withPage(port: port, session: id) { page in
                                _ = try await page.hello()
                                readiness.yield()
                                await release.wait()
                            }
                        } catch {
                            readiness.yield()
                            throw error
                        }
                    }
                }
                for _ in 0..<min(parallel, count) { _ = await readyIterator.next() }
                try await Task.sleep(for: .seconds(1))
                let after = try server.residentKiB()
                release.open(())
                try await group.waitForAll()
                return after
            }
            try await entry.shutdown()
            return MemoryFigures(sessions: count, rssBeforeKib: before, rssAfterKib: after)
        } catch {
            try? await entry.shutdown()
            throw error
        }
    }

    /// File saved (rename over the script) to the new render frame on a page
    /// that stays connected to a session of that script.
    func hotReload(_ server: ServerProcess, entry: EntryClient) async throws -> Stats {
        let id = try await entry.launch(module: BenchFolder.module, script: "reload_me")
        let folder = folder
        let saves = settings.saves
        let samples = try await PageClient.withPage(port: server.port, session: id) { page in
            _ = try await page.hello()
            var samples: [Double] = []
            for version in 1...saves {
                // Let the watcher's burst of the previous save end first.
                try await Task.sleep(for: .milliseconds(300))
                let saved = try folder.saveReloadScript(version: version)
                while true {
                    let frame = try await page.receive()
                    if frame.contains(#""op":"render""#), frame.contains("version \(version)\"") { break }
                }
                samples.append((ContinuousClock.now - saved).milliseconds)
            }
            return samples
        }
        return Stats(samples)
    }

    /// Exec of `gizmolua serve` to its first accepted connection.
    func startup() throws -> Stats {
        var samples: [Double] = []
        for _ in 0..<settings.startups {
            samples.append(try ServerProcess.timeToAccept(binary: binary, folder: folder).milliseconds)
        }
        return Stats(samples)
    }
}
