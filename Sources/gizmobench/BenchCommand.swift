import ArgumentParser
import Foundation

/// `gizmobench`: times a real `gizmolua serve` against the performance
/// budgets of design.md with WebSocket clients on loopback, no browser.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gizmobench",
        abstract: "Measure gizmolua serve against its performance budgets.",
        discussion: """
        Starts the gizmolua binary on a temp folder holding the click counter, hello_env, a
        script it rewrites, a spinner and a store watcher and driver, and measures hello_env's
        first paint in headless Chromium against its static copy served by the bench, session start,
        callback round trips (1 and many sessions, the paced ones against the loopback floor), throughput, memory per idle session, hot
        reload, start-up, session start and SIGTERM while 500 sessions spin to their CPU limit,
        and one store key changed 10 times a second while 1000 sessions watch it (change to page,
        server CPU) with the memory of an idle watching session. Then the same
        session start, round trip, memory and first paint of H5Gizmos, through its GizmoLink, from the venv
        `make bench-h5gizmos` makes, side by side as ratios.
        Run it from the package folder (it copies the scripts from there), on a quiet machine.
        """,
        subcommands: [ScaleCommand.self]
    )

    @Option(help: "The gizmolua binary to measure (build it with -c release).")
    var gizmolua: String = ".build/release/gizmolua"

    @Option(help: "Write the figures to this JSON file as well (all of them, or those of --only fanout or lines).")
    var json: String?

    @Option(help: "The package folder, to copy the scripts from.")
    var package: String = "."

    @Option(name: .customLong("idle-script"), help: "The script of the idle sessions: hello_env, click_counter, reload_me or store_watcher.")
    var idleScript = Benchmarks.helloEnv

    @Option(name: .customLong("only"), help: "Run only this measurement: memory, round-trip (one session; for `make profile`), spinning, fanout (with the memory of watching sessions), lines (a spawned process's output), first-paint (in headless Chromium), replicas (two servers on one PostgreSQL store) or h5gizmos.")
    var only: String?

    @Option(help: "Clicks of the one-session round trip (default 2000), after 200 unrecorded.")
    var clicks: Int?

    @Option(name: .customLong("fanout-sessions"), help: "Sessions watching the store key in the fan-out row (default 1000).")
    var fanoutSessions: Int?

    @Option(name: .customLong("store-url"), help: "A PostgreSQL database (postgres://...) for the replicas row: two servers sharing their stores in it, a change on one seen on the other. Default: GIZMO_TEST_POSTGRES_URL (make bench starts a throwaway cluster); without either the row is left out.")
    var storeURL: String?

    @Option(name: .customLong("replica-watchers"), help: "Pages on the second replica in the replicas row (default 100).")
    var replicaWatchers = 100

    @Flag(name: .customLong("no-h5gizmos"), help: "Skip the side by side with H5Gizmos.")
    var noH5Gizmos = false

    @Flag(name: .customLong("no-first-paint"), help: "Skip the first paint in headless Chromium (gizmolua's and H5Gizmos').")
    var noFirstPaint = false

    @Option(name: .customLong("first-paint-python"), help: "A Python with selenium, for the first paint (default: \(FirstPaintHelper.defaultPython) in the package folder, made by `make test-deps`).")
    var firstPaintPython: String?

    @Option(name: .customLong("first-paint-rounds"), help: "Rounds of the first paint (default 20), each opening the gizmo's page and its static copy.")
    var firstPaintRounds: Int?

    @Option(name: .customLong("h5gizmos-venv"), help: "The venv with H5Gizmos and bench_h5 (default: \(H5GizmosVenv.defaultPath) in the package folder).")
    var h5GizmosVenv: String?

    @Flag(help: "Fewer samples, for trying the bench itself (figures are not comparable).")
    var quick = false

    func run() async throws {
        let binary = URL(filePath: gizmolua).absoluteURL
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw ValidationError("\(gizmolua) is not an executable; build it first (swift build -c release)")
        }
        raiseFileLimit()
        let machine = Figures.Machine.current
        let folder = try BenchFolder(packageRoot: URL(filePath: package).absoluteURL)
        defer { folder.remove() }
        var settings = Benchmarks.Settings()
        if quick {
            settings.starts = 20
            settings.clicks = 200
            settings.concurrentSessions = 10
            settings.concurrentWindow = .seconds(1)
            settings.idleSessions = 100
            settings.saves = 3
            settings.startups = 3
            settings.floorTrips = 10
            settings.spinningSessions = 50
            settings.spinningStarts = 10
            settings.fanoutSessions = 100
            settings.fanoutWarmup = 10
            settings.fanoutChanges = 30
            settings.linesSessions = 10
            settings.linesWarmup = 10
            settings.linesCount = 30
            settings.linesBulkBytes = 10_000_000
            settings.firstPaintRounds = 3
            settings.firstPaintWarmup = 1
        }
        settings.idleScript = idleScript
        if let clicks {
            guard clicks >= 0 else { throw ValidationError("--clicks must not be negative") }
            settings.clicks = clicks
        }
        if let fanoutSessions {
            guard fanoutSessions >= 1 else { throw ValidationError("--fanout-sessions must be at least 1") }
            settings.fanoutSessions = fanoutSessions
        }
        if let firstPaintRounds {
            guard firstPaintRounds >= 1 else { throw ValidationError("--first-paint-rounds must be at least 1") }
            settings.firstPaintRounds = firstPaintRounds
        }
        let bench = Benchmarks(binary: binary, folder: folder, settings: settings)
        let alone = ["memory", "round-trip", "spinning", "fanout", "lines", "first-paint", "replicas"]
        guard only == nil || (alone + ["h5gizmos"]).contains(only) else {
            throw ValidationError("--only takes memory, round-trip, spinning, fanout, lines, first-paint, replicas or h5gizmos")
        }
        guard replicaWatchers >= 1 else { throw ValidationError("--replica-watchers must be at least 1") }
        let storeURL = (self.storeURL ?? ProcessInfo.processInfo.environment["GIZMO_TEST_POSTGRES_URL"]).flatMap { $0.isEmpty ? nil : $0 }
        if only == "replicas" && storeURL == nil {
            throw ValidationError("--only replicas needs --store-url postgres://... (or GIZMO_TEST_POSTGRES_URL)")
        }
        if only == "h5gizmos" && noH5Gizmos { throw ValidationError("--only h5gizmos and --no-h5gizmos exclude each other") }
        if only == "first-paint" && noFirstPaint { throw ValidationError("--only first-paint and --no-first-paint exclude each other") }
        // Checked first: a missing venv is said before a minute of measuring, not after.
        let firstPaint = noFirstPaint || (only != nil && only != "first-paint" && only != "h5gizmos")
            ? nil : try firstPaintHelper(logs: folder.logs)
        let h5Bench = noH5Gizmos || only.map(alone.contains) == true ? nil : try h5GizmosBench(logs: folder.logs, firstPaint: firstPaint)
        if only == "h5gizmos", let h5Bench {
            print(Report.h5gizmos(try await h5Bench.run(progress: progress)))
            return
        }
        if only == "first-paint", let firstPaint {
            let paint = try await firstPaintRow(bench, firstPaint, settings: settings)
            print(Report.firstPaint(paint, machine: machine))
            if let json {
                let run = FirstPaintRun(date: ISO8601DateFormatter().string(from: Date()), machine: machine, firstPaint: paint)
                try Figures.json(run).write(to: URL(filePath: json))
            }
            return
        }

        if only == "round-trip" {
            // The server may run under a profiler (`make profile`): give it time to start.
            let server = try await ServerProcess.start(binary: binary, folder: folder, name: "serve", arguments: [],
                                                       timeout: .seconds(120))
            let entry = EntryClient(port: server.port)
            defer { server.stop() }
            let stats = try await bench.roundTripOneSession(server, entry: entry)
            try await entry.shutdown()
            print("round trip, 1 session: \(stats.count) clicks, p50 \(String(format: "%.3f", stats.p50)) ms")
            return
        }
        if only == "spinning" {
            print(Report.spinning(try await bench.startWhileSpinning()))
            return
        }
        if only == "fanout" {
            let (fanout, memory) = try await fanoutRows(bench, folder: folder, settings: settings)
            print(Report.fanout(fanout, memory: memory, machine: machine))
            if let json {
                let run = FanoutRun(date: ISO8601DateFormatter().string(from: Date()), machine: machine,
                                    fanout: fanout, memoryWatching: memory)
                try Figures.json(run).write(to: URL(filePath: json))
            }
            return
        }
        if only == "replicas", let storeURL {
            let replicas = try await replicasRow(bench, storeURL: storeURL, settings: settings)
            print(Report.replicas(replicas, machine: machine))
            if let json {
                let run = ReplicasRun(date: ISO8601DateFormatter().string(from: Date()), machine: machine, replicas: replicas)
                try Figures.json(run).write(to: URL(filePath: json))
            }
            return
        }
        if only == "lines" {
            let lines = try await linesRow(bench, settings: settings)
            print(Report.lines(lines, machine: machine))
            if let json {
                let run = LinesRun(date: ISO8601DateFormatter().string(from: Date()), machine: machine, lines: lines)
                try Figures.json(run).write(to: URL(filePath: json))
            }
            return
        }
        if only == "memory" {
            // A store watcher writes its module's data: in the temp folder, never the user's.
            let own = idleScript == BenchFolder.storeWatcher
                ? Benchmarks.ownEnvironment(dataFolder: folder.logs.appending(path: "data")) : nil
            for (name, environment) in [("a container's environment", containerEnvironment(folder)), ("the bench's environment", own)] {
                let memory = try await bench.memoryPerIdleSession(environment: environment)
                print("\(memory.sessions) idle \(idleScript) sessions, \(name): \(String(format: "%.1f", memory.perSessionKib)) KiB each "
                    + "(RSS \(memory.rssBeforeKib) -> \(memory.rssAfterKib) KiB)")
            }
            return
        }
        var paint: FirstPaintFigures?
        if let firstPaint { paint = try await firstPaintRow(bench, firstPaint, settings: settings) }
        progress("start-up: exec to first accepted connection, \(settings.startups) runs")
        let startup = try bench.startup()

        let server = try await ServerProcess.start(binary: binary, folder: folder, name: "serve",
                                                   arguments: ["--max-sessions", "100000"])
        let entry = EntryClient(port: server.port)
        let figures: Figures
        do {
            progress("session start: \(settings.starts) sessions, one after the other")
            let start = try await bench.sessionStart(server, entry: entry)
            progress("round trip: \(settings.clicks) clicks on one session")
            let oneSession = try await bench.roundTripOneSession(server, entry: entry)
            progress("round trip: \(settings.concurrentSessions) sessions clicking every \(settings.pacedPause) for \(settings.concurrentWindow), from their event loops")
            let (paced, _) = try await bench.concurrentClicksOnEventLoops(server, entry: entry, pause: settings.pacedPause)
            progress("round trip: the same through Hummingbird's WebSocket client")
            let (pacedTasks, _) = try await bench.concurrentClicks(server, entry: entry, pause: settings.pacedPause)
            progress("loopback floor: \(settings.floorTrips) TCP echoes, one every \(settings.pacedPause)")
            let floor = try LoopbackFloor.roundTrips(count: settings.floorTrips, pause: settings.pacedPause)
            progress("throughput: \(settings.concurrentSessions) sessions clicking as fast as they can for \(settings.concurrentWindow)")
            let (saturated, throughput) = try await bench.concurrentClicks(server, entry: entry, pause: nil)
            progress("hot reload: \(settings.saves) saves")
            let reload = try await bench.hotReload(server, entry: entry)
            try await entry.shutdown()
            server.stop()
            progress("memory: \(settings.idleSessions) idle \(settings.idleScript) sessions on a fresh server, in a container's environment")
            let memory = try await bench.memoryPerIdleSession(environment: containerEnvironment(folder))
            progress("memory: the same in the bench's own environment")
            let memoryOwn = try await bench.memoryPerIdleSession()
            progress("session start while \(settings.spinningSessions) sessions spin to their CPU limit, then SIGTERM, on a fresh server")
            let spinning = try await bench.startWhileSpinning()
            let (fanout, memoryWatching) = try await fanoutRows(bench, folder: folder, settings: settings)
            let lines = try await linesRow(bench, settings: settings)
            var replicas: ReplicaFigures?
            if let storeURL { replicas = try await replicasRow(bench, storeURL: storeURL, settings: settings) }
            let h5gizmos = try await h5Bench?.run(progress: progress)
            figures = Figures(
                date: ISO8601DateFormatter().string(from: Date()), machine: machine, firstPaint: paint,
                sessionStartMs: start, roundTripOneSessionMs: oneSession,
                concurrentSessions: settings.concurrentSessions, pacedPauseMs: settings.pacedPause.milliseconds,
                roundTripConcurrentMs: paced, roundTripConcurrentTaskClientMs: pacedTasks,
                loopbackFloorMs: floor, roundTripOverFloor: paced.p50 / floor.p50, roundTripSaturatedMs: saturated,
                throughputEventsPerSecond: throughput, memory: memory, memoryOwnEnvironment: memoryOwn,
                idleScriptEnvironment: idleScript != Benchmarks.helloEnv ? nil
                    : ProcessInfo.processInfo.environment.keys.filter { $0 != "GIZMO_USE_PORT" }.count,
                hotReloadMs: reload, startupMs: startup, spinning: spinning,
                fanout: fanout, memoryWatching: memoryWatching, lines: lines, replicas: replicas,
                sideBySide: h5gizmos.map { SideBySide(h5gizmos: $0, sessionStartMs: start,
                                                      roundTripMs: oneSession, memory: memoryOwn,
                                                      firstPaintMs: paint?.gizmoMs) })
        } catch {
            try? await entry.shutdown()
            server.stop()
            throw error
        }

        print(Report.table(figures))
        if let json {
            try figures.json().write(to: URL(filePath: json))
            print("\nfigures written to \(json)")
        }
    }

    /// Issue 13's rows: the fan-out on its own fresh server, then the memory
    /// of idle watching sessions on another, in a container's environment.
    private func fanoutRows(_ bench: Benchmarks, folder: BenchFolder,
                            settings: Benchmarks.Settings) async throws -> (FanoutFigures, MemoryFigures) {
        let pause = settings.fanoutPause
        let seconds = pause * settings.fanoutChanges
        progress("fan-out: \(settings.fanoutSessions) sessions watching a store key, one driver setting it every \(pause) "
            + "for \(seconds) after \(pause * settings.fanoutWarmup), on a fresh server")
        let fanout = try await bench.fanout()
        progress("memory: \(settings.idleSessions) idle \(BenchFolder.storeWatcher) sessions on a fresh server, in a container's environment")
        let memory = try await bench.memoryPerIdleSession(script: BenchFolder.storeWatcher, environment: containerEnvironment(folder))
        return (fanout, memory)
    }

    /// Issue 17's row: two fresh servers sharing their stores in PostgreSQL.
    private func replicasRow(_ bench: Benchmarks, storeURL: String,
                             settings: Benchmarks.Settings) async throws -> ReplicaFigures {
        progress("replicas: \(replicaWatchers) pages on one server watching a store key that a driver on another sets every "
            + "\(settings.fanoutPause), both keeping their stores in PostgreSQL")
        return try await bench.replicas(storeURL: storeURL, watchers: replicaWatchers)
    }

    /// Issue 16's first paint, on its own fresh server, before the others
    /// (the browser's processes are gone when they start).
    private func firstPaintRow(_ bench: Benchmarks, _ helper: FirstPaintHelper,
                               settings: Benchmarks.Settings) async throws -> FirstPaintFigures {
        progress("first paint: \(Benchmarks.helloEnv) in headless Chromium, then its static copy served by the bench, "
            + "\(settings.firstPaintRounds) rounds after \(settings.firstPaintWarmup), a fresh tab each, on a fresh server")
        return try await bench.firstPaint(helper)
    }

    /// The first paint's helper (a Python script driving Chromium), if its
    /// Python is there; if not, an error that says how to make it.
    private func firstPaintHelper(logs: URL) throws -> FirstPaintHelper {
        let root = URL(filePath: package).absoluteURL
        let python = firstPaintPython.map { URL(filePath: $0).absoluteURL } ?? root.appending(path: FirstPaintHelper.defaultPython)
        return try FirstPaintHelper(python: python, script: root.appending(path: FirstPaintHelper.scriptPath), logs: logs)
    }

    /// Issue 14's row: a spawned process's lines to the pages, then its loud
    /// sibling's output, on a fresh server.
    private func linesRow(_ bench: Benchmarks, settings: Benchmarks.Settings) async throws -> LineFigures {
        progress("process lines: \(settings.linesSessions) sessions watching what a spawned cat reads, a line every "
            + "\(settings.linesPause) for \(settings.linesPause * settings.linesCount), then "
            + "\(settings.linesBulkBytes / 1_000_000) MB of output through the service, on a fresh server")
        return try await bench.processLines()
    }

    /// The side-by-side run, if its venv is there; if not, an error that
    /// says how to make it.
    private func h5GizmosBench(logs: URL, firstPaint: FirstPaintHelper?) throws -> H5GizmosBench {
        let path = h5GizmosVenv.map { URL(filePath: $0) }
            ?? URL(filePath: package).appending(path: H5GizmosVenv.defaultPath)
        var settings = H5GizmosBench.Settings()
        settings.idleScript = idleScript
        if quick {
            settings.firstPaintRounds = 2
            settings.starts = 3
            settings.clicks = 100
            settings.warmupClicks = 10
            settings.idleSessions = 3
        }
        return H5GizmosBench(venv: try H5GizmosVenv(root: path.absoluteURL), logs: logs, settings: settings,
                             firstPaint: firstPaint)
    }

    private func containerEnvironment(_ folder: BenchFolder) -> [String: String] {
        Benchmarks.containerEnvironment(dataFolder: folder.logs.appending(path: "data"))
    }

    private func progress(_ line: String) {
        FileHandle.standardError.write(Data("gizmobench: \(line)\n".utf8))
    }

    /// Each idle session holds a socket at both ends: allow as many as the
    /// hard limit does (the server, a child, inherits the soft limit).
    private func raiseFileLimit() {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
    }
}
