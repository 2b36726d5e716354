import Foundation

/// Issue 17's row: a change made on one replica, seen on a page of another,
/// both replicas keeping their modules' stores in one PostgreSQL database.
struct ReplicaFigures: Codable {
    /// Pages watching the key, all on the second replica.
    var watchers: Int
    var changesPerSecond: Double
    var warmupChanges: Int
    var changes: Int
    /// For each (page, measured change): the driver's click on replica A
    /// until the page on replica B showed that value or a later one.
    var changeToPageMs: Stats
    /// The driver's click until its own page showed "set N" (the write
    /// committed in PostgreSQL, and the round trip).
    var setRoundTripMs: Stats
    var coalesced: Int
    var pagesMissingFinal: Int
}

extension Benchmarks {
    /// Two fresh servers with `--store storeURL`; `watchers` sessions of
    /// `store_watcher.lua` on the second, one of `store_driver.lua` on the
    /// first, clicking every `fanoutPause` (`fanoutWarmup` unrecorded, then
    /// `fanoutChanges` measured), as the fan-out row does on one server.
    func replicas(storeURL: String, watchers: Int) async throws -> ReplicaFigures {
        let pause = settings.fanoutPause
        var servers: [ServerProcess] = []
        defer { for server in servers { server.stop() } }
        for name in ["replica-a", "replica-b"] {
            let data = folder.logs.appending(path: "\(name)-data")
            try? FileManager.default.removeItem(at: data)
            servers.append(try await ServerProcess.start(
                binary: binary, folder: folder, name: name,
                arguments: ["--max-sessions", String(watchers + 100), "--grace", "600", "--store", storeURL],
                environment: Self.ownEnvironment(dataFolder: data)))
        }
        let (a, b) = (servers[0], servers[1])
        let entryA = EntryClient(port: a.port), entryB = EntryClient(port: b.port)
        var pages: [NumberPage.Connection] = []
        do {
            // The database outlives a run: the key starts from nothing again.
            try await entryA.post("http://127.0.0.1:\(a.port)/push/\(BenchFolder.module)/\(BenchFolder.storeKey)", json: "null")
            pages = try await openWatchers(count: watchers, port: b.port, entry: entryB)
            let (driver, callback) = try await openDriver(port: a.port, entry: entryA)
            let total = settings.fanoutWarmup + settings.fanoutChanges
            let (sent, _) = try await drive(driver, callback: callback, total: total, pause: pause)
            let (missing, _) = try await settle(pages, on: total, within: .seconds(30))
            let measured = Array(zip(1...total, sent).dropFirst(settings.fanoutWarmup))
            let (delays, coalesced, _) = try await Self.deliveries(of: measured, to: pages)
            let set = Self.delays(of: measured, in: try await driver.seen().sightings)
            for page in pages + [driver] { await page.close() }
            try await entryA.shutdown()
            try await entryB.shutdown()
            return ReplicaFigures(
                watchers: watchers, changesPerSecond: 1000 / pause.milliseconds, warmupChanges: settings.fanoutWarmup,
                changes: settings.fanoutChanges, changeToPageMs: Stats(delays), setRoundTripMs: Stats(set.delays),
                coalesced: coalesced, pagesMissingFinal: missing)
        } catch {
            for page in pages { await page.close() }
            try? await entryA.shutdown()
            try? await entryB.shutdown()
            throw error
        }
    }
}
