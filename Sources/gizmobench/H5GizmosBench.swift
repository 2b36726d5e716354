import Foundation

/// The side-by-side run: the same three things timed of H5Gizmos, started
/// through its GizmoLink, with the bench's `bench_h5` gizmos (the click
/// counter and hello_env written with H5Gizmos' API), and a Swift client in
/// place of the page. Every session is a Python process, about a second to
/// start, so the counts are small.
struct H5GizmosBench {
    struct Settings {
        var starts = 10
        var clicks = 500
        var warmupClicks = 50
        var idleSessions = 10
        var idleScript = Benchmarks.helloEnv
        /// First paint of hello_env in Chromium, through GizmoLink's start page.
        var firstPaintRounds = 5
        var firstPaintWarmup = 1
    }

    static let module = "bench_h5"

    let venv: H5GizmosVenv
    let logs: URL
    let settings: Settings
    /// Times hello_env's first paint in Chromium too, as gizmolua's; nil: not.
    var firstPaint: FirstPaintHelper?

    /// Starts GizmoLink, measures, and ends GizmoLink and every gizmo it
    /// launched, whatever happened.
    func run(progress: (String) -> Void) async throws -> H5GizmosFigures {
        let link = try await GizmoLinkProcess.start(venv: venv, logs: logs)
        defer { link.stop() }
        let entry = EntryClient(port: link.port)
        do {
            progress("H5Gizmos \(venv.version): session start through GizmoLink, \(settings.starts) sessions, one after the other")
            let starts = try await sessionStart(entry)
            link.endSessions()
            var firstPaintMs: Stats?
            if let firstPaint {
                progress("H5Gizmos: first paint of \(Benchmarks.helloEnv) in headless Chromium through GizmoLink's start page, "
                    + "\(settings.firstPaintRounds) rounds")
                let run = try await firstPaint.measure([link.entryURL(module: Self.module, script: Benchmarks.helloEnv)],
                                                       rounds: settings.firstPaintRounds, warmup: settings.firstPaintWarmup)
                firstPaintMs = Stats(run.pages[0].ms)
                link.endSessions()
            }
            progress("H5Gizmos: round trip, \(settings.clicks) clicks on one session, through GizmoLink and straight")
            let proxied = try await roundTrip(entry, direct: false)
            let direct = try await roundTrip(entry, direct: true)
            link.endSessions()
            progress("H5Gizmos: memory, \(settings.idleSessions) idle \(settings.idleScript) sessions")
            let idle = try await memoryPerIdleSession(entry, link: link)
            try await entry.shutdown()
            return H5GizmosFigures(version: venv.version, sessionStartMs: starts, roundTripMs: proxied,
                                   roundTripDirectMs: direct, memory: idle, firstPaintMs: firstPaintMs)
        } catch {
            try? await entry.shutdown()
            throw error
        }
    }

    /// Entry URL requested to the start probe received: GizmoLink's start
    /// page (it launches the gizmo and waits for its link), the child page
    /// through `/connect/`, the WebSocket through `/connect/`, the packets
    /// that build the page up to the start probe, the last of them. Then the
    /// page confirms, as H5Gizmos.js does, and goes away (`pagehide`),
    /// outside the time. One session after the other, after one unrecorded.
    func sessionStart(_ entry: EntryClient) async throws -> Stats {
        var samples: [Double] = []
        for index in 0..<(settings.starts + 1) {
            let start = ContinuousClock.now
            let link = try await entry.launchThroughGizmoLink(module: Self.module, script: Benchmarks.counter)
            let rendered = try await Self.withPage(link) { page in
                let probe = try await page.receiveUntilStartProbe()
                let rendered = ContinuousClock.now
                try await page.call(probe)
                try await page.hide()
                return rendered
            }
            if index > 0 { samples.append((rendered - start).milliseconds) }
        }
        return Stats(samples)
    }

    /// Click sent (the button's callback called) to the update packet
    /// received, one click at a time, on one session; its WebSocket through
    /// GizmoLink or, `direct`, to the gizmo's own port.
    func roundTrip(_ entry: EntryClient, direct: Bool) async throws -> Stats {
        let link = try await entry.launchThroughGizmoLink(module: Self.module, script: Benchmarks.counter)
        let settings = settings
        let samples = try await Self.withPage(link, direct: direct) { page in
            try await page.call(try await page.receiveUntilStartProbe())
            guard let click = page.eventCallbacks["click"] else { throw BenchError("no click callback in bench_h5/click_counter") }
            var samples: [Double] = []
            for index in 0..<(settings.warmupClicks + settings.clicks) {
                let start = ContinuousClock.now
                try await page.call(click, event: "click")
                let update = try await page.receive()
                if index >= settings.warmupClicks { samples.append((ContinuousClock.now - start).milliseconds) }
                guard update.contains("clicked \(index + 1)") else { throw BenchError("unexpected update \(update.prefix(200))") }
            }
            try await page.hide()
            return samples
        }
        return Stats(samples)
    }

    /// `idleSessions` sessions of the idle script started one after the
    /// other, each rendered and confirmed and left connected; then the
    /// memory of every process below GizmoLink, and GizmoLink's growth.
    func memoryPerIdleSession(_ entry: EntryClient, link: GizmoLinkProcess) async throws -> H5GizmosFigures.Memory {
        try await Task.sleep(for: .milliseconds(500))
        let before = try link.residentKiB()
        let release = Gate<Void>()
        let (ready, readiness) = AsyncStream<Void>.makeStream()
        let script = settings.idleScript
        let memory = try await withThrowingTaskGroup(of: Void.self) { group in
            var readyIterator = ready.makeAsyncIterator()
            for _ in 0..<settings.idleSessions {
                group.addTask {
                    do {
                        let url = try await entry.launchThroughGizmoLink(module: Self.module, script: script)
                        try await Self.withPage(url) { page in
                            try await page.call(try await page.receiveUntilStartProbe())
                            readiness.yield()
                            await release.wait()
                            try await page.hide()
                        }
                    } catch {
                        readiness.yield()
                        throw error
                    }
                }
                _ = await readyIterator.next()  // one after the other
            }
            let memory: H5GizmosFigures.Memory
            do {
                try await Task.sleep(for: .seconds(1))
                let pids = link.gizmoProcesses
                var rss = 0, anon = 0, pss = 0
                for pid in pids {
                    rss += try ProcFS.statusKiB(pid, "VmRSS")
                    anon += try ProcFS.statusKiB(pid, "RssAnon")
                    pss += try ProcFS.pssKiB(pid)
                }
                memory = H5GizmosFigures.Memory(
                    sessions: settings.idleSessions, script: script, processes: pids.count, rss: rss, rssAnon: anon,
                    pss: pss, gizmoLinkBefore: before, gizmoLinkAfter: try link.residentKiB())
            } catch {
                release.open(())  // the pages may go, or the group would wait for them forever
                throw error
            }
            release.open(())
            try await group.waitForAll()
            return memory
        }
        link.endSessions()
        return memory
    }

    /// The WebSocket of the child page at `link`, as H5Gizmos.js opens it.
    private static func withPage<T: Sendable>(
        _ link: URL, direct: Bool = false,
        _ body: @escaping @Sendable (inout H5PageSocket) async throws -> T
    ) async throws -> T {
        try await PageClient.withSocket(url: try EntryClient.gizmoLinkSocketURL(link, direct: direct), H5PageSocket.init, body)
    }
}
