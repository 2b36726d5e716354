import Foundation

/// Lines a spawned process prints, reaching every open page of its module.
struct LineFigures: Codable {
    /// Watching sessions, each with one page connected.
    var sessions: Int
    var linesPerSecond: Double
    var warmupLines: Int
    var lines: Int
    /// For each (page, measured line): the line written into the FIFO the
    /// service's `cat` reads, until the page received the frame showing it
    /// (or a later one, when coalesced).
    var lineToPageMs: Stats
    /// For each line, until the last page showed it.
    var lineToLastPageMs: Stats
    var coalesced: Int
    var pagesMissingFinal: Int
    /// The loud program's output, read line by line by the service.
    var bulkBytes: Int
    var bulkSeconds: Double
    /// Server RSS before the loud program, and the most seen while it ran
    /// (sampled every 10 ms).
    var restRssMiB: Double
    var bulkMostRssMiB: Double
}

extension Benchmarks {
    /// A fresh server whose `lines` module's service spawns `cat` on a FIFO;
    /// `linesSessions` pages watch the key the service sets from each line.
    /// The bench writes a numbered line every `linesPause` (open loop):
    /// `linesWarmup` unrecorded, then `linesCount` measured; then `bulk N`,
    /// which makes the service run a program printing `linesBulkBytes`, while
    /// the server's RSS is sampled.
    func processLines() async throws -> LineFigures {
        let count = settings.linesSessions
        let pause = settings.linesPause
        let bulkBytes = settings.linesBulkBytes
        try folder.writeLinesModule(bulkBytes: bulkBytes)
        defer { folder.removeLinesModule() }
        let data = folder.logs.appending(path: "lines-data")
        try? FileManager.default.removeItem(at: data)
        let server = try await ServerProcess.start(
            binary: binary, folder: folder, name: "lines",
            arguments: ["--max-sessions", String(count + 100), "--grace", "600", "--allow-run=cat,sh"],
            environment: Self.ownEnvironment(dataFolder: data))
        defer { server.stop() }
        // O_RDWR: never blocks, whether or not the service's cat has opened it yet.
        let fifo = open(folder.linesFIFO.path, O_RDWR | O_CLOEXEC)
        guard fifo >= 0 else { throw BenchError("open \(folder.linesFIFO.path): \(String(cString: strerror(errno)))") }
        defer { close(fifo) }
        func say(_ line: String) throws -> ContinuousClock.Instant {
            let bytes = Array((line + "\n").utf8)
            let at = clock.now
            guard write(fifo, bytes, bytes.count) == bytes.count else { throw BenchError("write to the FIFO failed") }
            return at
        }
        let entry = EntryClient(port: server.port)
        var pages: [NumberPage.Connection] = []
        do {
            pages = try await openWatchers(count: count, port: server.port, entry: entry,
                                           module: BenchFolder.linesModule)
            try await Task.sleep(for: .seconds(1))
            let total = settings.linesWarmup + settings.linesCount
            var sent: [ContinuousClock.Instant] = []
            let first = clock.now + pause
            for index in 0..<total {
                try await Task.sleep(until: first + pause * index, clock: .continuous)
                sent.append(try say(String(index + 1)))
            }
            let (missing, _) = try await settle(pages, on: total, within: .seconds(30))
            let measured = Array(zip(1...total, sent).dropFirst(settings.linesWarmup))
            let (delays, coalesced, lastPage) = try await Self.deliveries(of: measured, to: pages)

            let pid = server.process.processIdentifier
            let rest = Double(try ProcFS.statusKiB(pid, "VmRSS")) / 1024
            var most = rest
            let bulkStart = try say("bulk \(total + 1)")
            let deadline = clock.now + .seconds(600)
            let watcher = pages[0]
            while try await watcher.seen().sightings.last?.number != total + 1 {
                guard clock.now < deadline else { throw BenchError("the loud program's lines did not end within 600 s") }
                most = max(most, Double(try ProcFS.statusKiB(pid, "VmRSS")) / 1024)
                try await Task.sleep(for: .milliseconds(10))
            }
            let bulkSeconds = (clock.now - bulkStart).milliseconds / 1000
            for page in pages { await page.close() }
            try await entry.shutdown()
            return LineFigures(
                sessions: count, linesPerSecond: 1000 / pause.milliseconds, warmupLines: settings.linesWarmup,
                lines: settings.linesCount, lineToPageMs: Stats(delays), lineToLastPageMs: Stats(lastPage),
                coalesced: coalesced, pagesMissingFinal: missing, bulkBytes: bulkBytes, bulkSeconds: bulkSeconds,
                restRssMiB: rest, bulkMostRssMiB: most)
        } catch {
            for page in pages { await page.close() }
            try? await entry.shutdown()
            throw error
        }
    }
}
