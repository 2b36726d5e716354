import Foundation

/// One store key watched by many sessions and changed at a steady pace.
struct FanoutFigures: Codable {
    /// Watching sessions, each with one page connected.
    var sessions: Int
    /// The driver's clicks (each one change of the key) per second.
    var changesPerSecond: Double
    /// Changes before the measured ones, not recorded.
    var warmupChanges: Int
    /// Changes measured.
    var changes: Int
    /// For each (page, measured change): the driver's click sent until the
    /// page received the frame showing that value, or a later one when the
    /// page was sent only the latest (coalescing).
    var changeToPageMs: Stats
    /// For each measured change, the click sent until the last page showed
    /// it: how long one change's fan-out took.
    var changeToLastPageMs: Stats
    /// Of those pairs, how many the page saw as a later value.
    var coalesced: Int
    /// Pages not showing the last value once it had had `settleTimeoutSeconds` to arrive.
    var pagesMissingFinal: Int
    /// Of those, how many had lost their socket.
    var pagesLost: Int
    var settleTimeoutSeconds: Double
    /// The server's CPU time (user + system) over the paced run's wall time:
    /// the fraction of one core it kept busy.
    var serverCpuCores: Double
    /// The same for the bench, whose clients share the machine's cores.
    var benchCpuCores: Double
    /// The server's CPU time per change and watching page, in µs.
    var serverCpuPerPageMicroseconds: Double
    /// The server's threads before the first click, and the most seen at
    /// any click of the paced run (each turn runs on a thread of Dispatch's).
    var serverThreadsBefore: Int
    var serverThreadsMost: Int
    /// The driver's click sent until its own page showed "set N": the write,
    /// durable when `set` returns, and a round trip.
    var setRoundTripMs: Stats
}

extension Benchmarks {
    /// A fresh server, its store in a fresh data folder; `fanoutSessions`
    /// sessions of `store_watcher.lua` (launched 50 at a time, each page
    /// rendered and left connected), and one of `store_driver.lua`; after
    /// 1 s, the driver clicks every `fanoutPause` (an open loop: the next
    /// click does not wait for anything), each click setting the key to its
    /// number: `fanoutWarmup` unrecorded, then `fanoutChanges` measured.
    /// The server's CPU time is read from /proc at the first measured click
    /// and one pause after the last, its thread count at every click. Then every page gets up to
    /// `settleTimeout` to show the last value; only then are the pages'
    /// sightings collected and matched with the clicks.
    func fanout() async throws -> FanoutFigures {
        let count = settings.fanoutSessions
        let pause = settings.fanoutPause
        let settleTimeout = Duration.seconds(30)
        let data = folder.logs.appending(path: "fanout-data")
        try? FileManager.default.removeItem(at: data)
        let server = try await ServerProcess.start(
            binary: binary, folder: folder, name: "fanout",
            arguments: ["--max-sessions", String(count + 100), "--grace", "600"],
            environment: Self.ownEnvironment(dataFolder: data))
        defer { server.stop() }
        let entry = EntryClient(port: server.port)
        var pages: [NumberPage.Connection] = []
        do {
            pages = try await openWatchers(count: count, port: server.port, entry: entry)
            let (driver, callback) = try await openDriver(port: server.port, entry: entry)
            pages.append(driver)

            let total = settings.fanoutWarmup + settings.fanoutChanges
            let pid = server.process.processIdentifier
            var cpu = (server: 0.0, bench: 0.0)
            let threadsBefore = try ProcFS.threads(pid)
            var threadsMost = threadsBefore
            var windowStart = clock.now
            let (sent, first) = try await drive(driver, callback: callback, total: total, pause: pause) { index in
                if index == settings.fanoutWarmup {
                    windowStart = clock.now
                    cpu = (try ProcFS.cpuSeconds(pid), try ProcFS.cpuSeconds(getpid()))
                }
                threadsMost = max(threadsMost, (try? ProcFS.threads(pid)) ?? 0)
            }
            try await Task.sleep(until: first + pause * total, clock: .continuous)
            let window = (clock.now - windowStart).milliseconds / 1000
            let serverCpu = (try ProcFS.cpuSeconds(pid) - cpu.server) / window
            let benchCpu = (try ProcFS.cpuSeconds(getpid()) - cpu.bench) / window

            let watchers = Array(pages.dropLast())
            let (missing, lost) = try await settle(watchers, on: total, within: settleTimeout)
            let measured = Array(zip(1...total, sent).dropFirst(settings.fanoutWarmup))
            let (delays, coalesced, lastPage) = try await Self.deliveries(of: measured, to: watchers)
            let set = Self.delays(of: measured, in: try await driver.seen().sightings)
            for page in pages { await page.close() }
            try await entry.shutdown()
            return FanoutFigures(
                sessions: count, changesPerSecond: 1000 / pause.milliseconds, warmupChanges: settings.fanoutWarmup,
                changes: settings.fanoutChanges, changeToPageMs: Stats(delays), changeToLastPageMs: Stats(lastPage),
                coalesced: coalesced,
                pagesMissingFinal: missing, pagesLost: lost, settleTimeoutSeconds: settleTimeout.milliseconds / 1000,
                serverCpuCores: serverCpu, benchCpuCores: benchCpu,
                serverCpuPerPageMicroseconds: serverCpu * pause.milliseconds * 1000 / Double(count),
                serverThreadsBefore: threadsBefore, serverThreadsMost: threadsMost,
                setRoundTripMs: Stats(set.delays))
        } catch {
            for page in pages { await page.close() }
            try? await entry.shutdown()
            throw error
        }
    }

    /// The driver's session on the server at `port`: its page open and its
    /// click callback found; then a second, for the watchers to settle.
    func openDriver(port: Int, entry: EntryClient) async throws -> (page: NumberPage.Connection, callback: Int) {
        let id = try await entry.launch(module: BenchFolder.module, script: BenchFolder.storeDriver)
        let driver = try await NumberPage.open(port: port, session: id, prefix: "set ")
        let callback = try PageClient.clickCallback(inRender: driver.render)
        try await Task.sleep(for: .seconds(1))
        return (driver, callback)
    }

    /// Clicks `driver` every `pause`, `total` times, each click setting the
    /// key to its number: an open loop (a click waits for nothing but its
    /// time). `atClick` runs at each click's time, just before it (with its
    /// index), to read what the row samples. Answers when each click was
    /// sent, and when the first was due.
    func drive(_ driver: NumberPage.Connection, callback: Int, total: Int, pause: Duration,
               atClick: (Int) throws -> Void = { _ in }) async throws
        -> (sent: [ContinuousClock.Instant], first: ContinuousClock.Instant) {
        var sent: [ContinuousClock.Instant] = []
        sent.reserveCapacity(total)
        let first = clock.now + pause
        for index in 0..<total {
            try await Task.sleep(until: first + pause * index, clock: .continuous)
            try atClick(index)
            sent.append(try await driver.click(callback, number: index + 1))
        }
        return (sent, first)
    }

    /// `count` watching sessions, launched and rendered `idleSetupParallel`
    /// at a time, as the memory row's. (A launch that fails ends the row; the
    /// pages other launches had open then go with the server.)
    func openWatchers(count: Int, port: Int, entry: EntryClient,
                      module: String = BenchFolder.module) async throws -> [NumberPage.Connection] {
        let parallel = settings.idleSetupParallel
        var pages: [NumberPage.Connection] = []
        pages.reserveCapacity(count + 1)
        do {
            try await withThrowingTaskGroup(of: NumberPage.Connection.self) { group in
                for index in 0..<count {
                    if index >= parallel, let page = try await group.next() { pages.append(page) }
                    group.addTask {
                        let id = try await entry.launch(module: module, script: BenchFolder.storeWatcher)
                        return try await NumberPage.open(port: port, session: id, prefix: "tick ")
                    }
                }
                for try await page in group { pages.append(page) }
            }
        } catch {
            for page in pages { await page.close() }
            throw error
        }
        return pages
    }

    /// Waits until every page shows `final`, or `timeout` has passed; then
    /// how many do not, and how many of those lost their socket.
    func settle(_ pages: [NumberPage.Connection], on final: Int,
                        within timeout: Duration) async throws -> (missing: Int, lost: Int) {
        let deadline = clock.now + timeout
        while true {
            var missing = 0
            var lost = 0
            for page in pages {
                let seen = try await page.seen()
                if seen.sightings.last?.number != final {
                    missing += 1
                    if seen.lost != nil { lost += 1 }
                }
            }
            if missing == 0 || clock.now >= deadline { return (missing, lost) }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Every page's delays for the measured changes (``delays(of:in:)``),
    /// how many of those were coalesced, and for each change the delay of
    /// the last page to show it.
    static func deliveries(of measured: [(Int, ContinuousClock.Instant)], to pages: [NumberPage.Connection])
        async throws -> (delays: [Double], coalesced: Int, lastPage: [Double]) {
        var delays: [Double] = []
        delays.reserveCapacity(pages.count * measured.count)
        var coalesced = 0
        var lastPage = [Double](repeating: 0, count: measured.count)
        for page in pages {
            let found = Self.delays(of: measured, in: try await page.seen().sightings)
            delays += found.delays
            coalesced += found.coalesced
            for (index, delay) in found.delays.enumerated() { lastPage[index] = max(lastPage[index], delay) }
        }
        return (delays, coalesced, lastPage)
    }

    /// For each change (its number and when its click was sent, in order),
    /// the time until the page first showed it or a later value (the page
    /// reached it then, coalesced); changes it never reached are left out.
    /// - Returns: the delays in ms, the i-th that of the i-th change (the
    ///   numbers seen only grow, so the changes reached come first), and how
    ///   many were reached by a later value.
    static func delays(of changes: [(Int, ContinuousClock.Instant)],
                       in sightings: [NumberPage.Sighting]) -> (delays: [Double], coalesced: Int) {
        var delays: [Double] = []
        delays.reserveCapacity(changes.count)
        var coalesced = 0
        var next = sightings.startIndex
        for (number, sent) in changes {
            while next < sightings.endIndex && sightings[next].number < number { next += 1 }
            guard next < sightings.endIndex else { break }
            delays.append((sightings[next].at - sent).milliseconds)
            if sightings[next].number != number { coalesced += 1 }
        }
        return (delays, coalesced)
    }
}
