import Foundation

/// Everything one run measured: what the table shows and the JSON file holds
/// (snake_case keys, sorted, so two runs' files compare line by line).
struct Figures: Codable {
    struct Machine: Codable {
        var cpus: Int
        var kernel: String
        /// The 1-minute load average when the run began: above 0.5 or so,
        /// something else was running and the figures are worse than they are.
        var loadAverage: Double

        static var current: Machine {
            var name = utsname()
            uname(&name)
            let release = withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?
                .split(separator: " ").first.flatMap { Double($0) } ?? .nan
            return Machine(cpus: ProcessInfo.processInfo.activeProcessorCount, kernel: release, loadAverage: load)
        }
    }

    var schema = 1
    var date: String
    var machine: Machine
    /// hello_env in headless Chromium against its static copy; nil with --no-first-paint.
    var firstPaint: FirstPaintFigures?
    var sessionStartMs: Stats
    var roundTripOneSessionMs: Stats
    var concurrentSessions: Int
    /// Each session's pause between clicks in `roundTripConcurrentMs`.
    var pacedPauseMs: Double
    /// Clicked from the connections' event loops (`EventLoopPage`): one
    /// client wake-up a round trip, as a browser's page thread.
    var roundTripConcurrentMs: Stats
    /// The same through Hummingbird's WebSocket client (`PageClient`), whose
    /// task and event loop add two wake-ups a round trip.
    var roundTripConcurrentTaskClientMs: Stats
    /// A TCP echo between two threads on loopback, paced like
    /// `roundTripConcurrentMs`: what the machine's wake-ups cost alone.
    var loopbackFloorMs: Stats
    /// `roundTripConcurrentMs.p50 / loopbackFloorMs.p50`: issue 16's budget
    /// is 3 (a host where every wake-up is dear raises both).
    var roundTripOverFloor: Double
    /// The round trips of the throughput run: queueing, mostly.
    var roundTripSaturatedMs: Stats
    var throughputEventsPerSecond: Double
    /// In a container's environment (`Benchmarks.containerEnvironment`): the budget's figure.
    var memory: MemoryFigures
    /// In the bench's own environment (hello_env shows those of its list of names);
    /// what the side by side with H5Gizmos, which runs in it too, compares.
    var memoryOwnEnvironment: MemoryFigures
    /// The environment variables the server sees (the bench's own) when the
    /// idle sessions are hello_env's, which shows those of its list of names
    /// (`GIZMO_*`, `HOME`, `PATH`, ...), each with three components.
    var idleScriptEnvironment: Int?
    var hotReloadMs: Stats
    var startupMs: Stats
    /// Session start and SIGTERM while sessions spin to their CPU limit.
    var spinning: SpinningFigures
    /// One store key changed 10 times a second, watched by 1000 sessions.
    var fanout: FanoutFigures
    /// Idle sessions each watching that key (`store_watcher.lua`), in a
    /// container's environment.
    var memoryWatching: MemoryFigures
    /// Lines of a spawned process reaching the pages of its module.
    var lines: LineFigures
    /// A change on one replica seen on another's pages (PostgreSQL store);
    /// nil without a database to run it on.
    var replicas: ReplicaFigures?
    /// H5Gizmos beside these figures; nil with --no-h5gizmos.
    var sideBySide: SideBySide?

    func json() throws -> Data {
        try Self.json(self)
    }

    /// Any figures as the JSON file holds them.
    static func json(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return try encoder.encode(value)
    }
}

/// What `--only fanout` measured, as its JSON file holds it.
struct FanoutRun: Codable {
    var schema = 1
    var date: String
    var machine: Figures.Machine
    var fanout: FanoutFigures
    var memoryWatching: MemoryFigures
}

/// What `--only first-paint` measured, as its JSON file holds it.
struct FirstPaintRun: Codable {
    var schema = 1
    var date: String
    var machine: Figures.Machine
    var firstPaint: FirstPaintFigures
}

/// What `--only lines` measured, as its JSON file holds it.
/// What `--only replicas` measured, as its JSON file holds it.
struct ReplicasRun: Codable {
    var schema = 1
    var date: String
    var machine: Figures.Machine
    var replicas: ReplicaFigures
}

struct LinesRun: Codable {
    var schema = 1
    var date: String
    var machine: Figures.Machine
    var lines: LineFigures
}

/// RSS of a server before and after it holds `sessions` idle sessions.
struct MemoryFigures: Codable {
    var sessions: Int
    var rssBeforeKib: Int
    var rssAfterKib: Int
    var perSessionKib: Double

    init(sessions: Int, rssBeforeKib: Int, rssAfterKib: Int) {
        self.sessions = sessions
        self.rssBeforeKib = rssBeforeKib
        self.rssAfterKib = rssAfterKib
        perSessionKib = Double(rssAfterKib - rssBeforeKib) / Double(max(sessions, 1))
    }
}
