import Foundation
import NIOCore

/// Opens idle sessions against one running server in steps, holds them all,
/// and measures after each step, until the plan's target or the first limit.
struct ScaleRamp {
    struct Settings: Sendable {
        var script = Benchmarks.helloEnv
        /// Sessions being opened at once.
        var parallel = 32
        /// Below this MemAvailable (KiB), no session more is opened.
        var memoryFloorKiB = 4 << 20
        /// Entry URL to render, for one session.
        var openTimeout: TimeAmount = .seconds(30)
        /// Held sessions probed after each step.
        var probes = 10
        var probeTimeout: TimeAmount = .seconds(30)
        /// The server's CPU is read over this window after each step: long
        /// enough to take in a sixth of the pings, which come every 30 s.
        var idleWindow: Duration = .seconds(5)
        /// Sessions opened before the baseline RSS is read (the library
        /// compiled, the pools and caches filled).
        var warmup = 20
        /// After the last step, all sessions are held this long, then
        /// measured again: past two of the server's pings (30 s apart), a
        /// timer that ended idle pages would show.
        var hold: Duration = .seconds(65)
    }

    /// What the ramp measured, and the sessions it still holds.
    struct Outcome {
        var baselineRssKib: Int
        var steps: [ScaleFigures.Step]
        var held: [IdlePage.Connection]
        var stop: ScaleStop
    }

    let plan: ScalePlan
    let server: ServerProcess
    let entry: EntryClient
    let settings: Settings
    let progress: @Sendable (String) -> Void
    private let clock = ContinuousClock()

    init(plan: ScalePlan, server: ServerProcess, entry: EntryClient, settings: Settings,
         progress: @escaping @Sendable (String) -> Void) {
        self.plan = plan
        self.server = server
        self.entry = entry
        self.settings = settings
        self.progress = progress
    }

    func run() async -> Outcome {
        let warmup = min(settings.warmup, plan.target)
        var (held, stop) = await open(0..<warmup)
        try? await Task.sleep(for: .seconds(1))
        let baseline = (try? server.residentKiB()) ?? 0
        var outcome = Outcome(baselineRssKib: baseline, steps: [], held: held, stop: stop ?? .target)
        guard stop == nil else { return outcome }
        var previous = (sessions: held.count, rss: baseline)
        for target in plan.steps where target > held.count {
            progress("opening sessions \(held.count + 1)-\(target)")
            let started = clock.now
            let (opened, limit) = await open(held.count..<target)
            let seconds = (clock.now - started).milliseconds / 1000
            held += opened
            stop = limit
            try? await Task.sleep(for: .seconds(1)) // let the last renders' garbage go
            let step = await measure(held, warmup: warmup, baseline: baseline, previous: previous,
                                     openSeconds: seconds, opened: opened.count)
            outcome.steps.append(step)
            progress(ScaleReport.row(step))
            previous = (held.count, step.serverRssKib)
            if stop == nil { stop = await lostSessions(held, probed: step) }
            if stop != nil { break }
        }
        // Held past the server's pings whether the target or a limit ended
        // the ramp: the sessions held must outlive both.
        if settings.hold > .zero, !held.isEmpty, server.process.isRunning, stop.map(\.leavesSessionsHeld) ?? true {
            progress("holding \(held.count) sessions for \(settings.hold), then measuring again")
            try? await Task.sleep(for: settings.hold)
            let step = await measure(held, warmup: warmup, baseline: baseline, previous: previous,
                                     openSeconds: 0, opened: 0)
            outcome.steps.append(step)
            progress(ScaleReport.row(step))
            if let lost = await lostSessions(held, probed: step) { stop = stop ?? lost }
        }
        outcome.held = held
        outcome.stop = stop ?? .target
        return outcome
    }

    // MARK: Opening

    /// Opens sessions `indices`, `parallel` at a time (each: the entry URL,
    /// its child page, the WebSocket from its source address, hello,
    /// render); stops adding at the first failure or at the memory floor.
    private func open(_ wanted: Range<Int>) async -> ([IdlePage.Connection], ScaleStop?) {
        // Stop short of EMFILE: past it, even /proc cannot be read to measure.
        let limit = FileLimit.current.soft
        let room = limit - (ProcFS.openFiles(getpid()) ?? 0) - Self.clientReserve
        let indices = wanted.prefix(max(room, 0))
        let results = await withTaskGroup(of: Result<IdlePage.Connection, any Error>.self) { group in
            var results: [Result<IdlePage.Connection, any Error>] = []
            var floor: ScaleStop?
            var running = 0
            for index in indices {
                if running >= settings.parallel, let result = await group.next() {
                    running -= 1
                    results.append(result)
                    if case .failure = result { break }
                }
                // Every 100 sessions (some 16 MiB of server at 160 KiB each).
                if index % 100 == 0, let stop = memoryFloor() {
                    floor = stop
                    break
                }
                running += 1
                let (entry, port, source, script, timeout) = (entry, server.port, plan.sourceAddress(of: index),
                                                              settings.script, settings.openTimeout)
                group.addTask {
                    do {
                        let id = try await entry.launch(module: BenchFolder.module, script: script)
                        return .success(try await IdlePage.open(port: port, session: id, from: source, timeout: timeout))
                    } catch {
                        return .failure(error)
                    }
                }
            }
            for await result in group { results.append(result) }
            return (results, floor)
        }
        var opened: [IdlePage.Connection] = []
        var failure: (any Error)?
        for result in results.0 {
            switch result {
            case .success(let page): opened.append(page)
            case .failure(let error): failure = failure ?? error
            }
        }
        if let failure { return (opened, diagnose(failure)) }
        if results.1 == nil && indices.count < wanted.count { return (opened, .clientFiles(limit: limit)) }
        return (opened, results.1)
    }

    /// Descriptors the client keeps for itself: the entry URL's HTTP
    /// connections, the /proc files it reads, its own.
    static let clientReserve = 64

    private func memoryFloor() -> ScaleStop? {
        guard let available = try? ProcFS.memAvailableKiB(), available < settings.memoryFloorKiB else { return nil }
        return .memoryFloor(availableKiB: available, floorKiB: settings.memoryFloorKiB)
    }

    /// The limit behind a failed open: the server gone, or out of
    /// descriptors (it then accepts nothing, and the client only sees time
    /// pass), else what the error itself names.
    private func diagnose(_ error: any Error) -> ScaleStop {
        let pid = server.process.processIdentifier
        if !server.process.isRunning {
            server.process.waitUntilExit()
            let status = server.process.terminationStatus
            if server.process.terminationReason == .uncaughtSignal {
                let oom = status == SIGKILL ? " (the kernel's OOM killer, most likely: see dmesg)" : ""
                return .serverExited("the server was killed by signal \(status)\(oom)")
            }
            return .serverExited("the server exited with status \(status); its log: \(server.log.path)")
        }
        if let open = ProcFS.openFiles(pid), let limit = ProcFS.fileLimit(pid), open >= limit.soft - 16 {
            return .serverFiles(open: open, limit: limit.soft)
        }
        if let limit = ScaleStop.limit(in: error) { return limit }
        if String(describing: error).contains("answered 503") { return .serverMaxSessions }
        return .failed("opening a session failed: \(error)")
    }

    // MARK: Measuring

    private func measure(_ held: [IdlePage.Connection], warmup: Int, baseline: Int,
                         previous: (sessions: Int, rss: Int), openSeconds: Double, opened: Int) async -> ScaleFigures.Step {
        let pid = server.process.processIdentifier
        let rss = (try? server.residentKiB()) ?? 0
        let cpuBefore = try? ProcFS.cpuSeconds(pid)
        try? await Task.sleep(for: settings.idleWindow)
        let cpuAfter = try? ProcFS.cpuSeconds(pid)
        var idleCpu: Double?
        if let cpuBefore, let cpuAfter { idleCpu = 100 * (cpuAfter - cpuBefore) / (settings.idleWindow.milliseconds / 1000) }
        let probed = await probe(held)
        let added = held.count - previous.sessions
        return ScaleFigures.Step(
            sessions: held.count,
            openSeconds: openSeconds,
            opensPerSecond: openSeconds > 0 ? Double(opened) / openSeconds : 0,
            serverRssKib: rss,
            kibPerSession: Double(rss - baseline) / Double(max(held.count - warmup, 1)),
            stepKibPerSession: added > 0 ? Double(rss - previous.rss) / Double(added) : nil,
            serverFiles: ProcFS.openFiles(pid) ?? -1,
            clientFiles: ProcFS.openFiles(getpid()) ?? -1,
            clientRssKib: (try? ProcFS.statusKiB(getpid(), "VmRSS")) ?? -1,
            memAvailableKib: (try? ProcFS.memAvailableKiB()) ?? -1,
            idleCpuPercent: idleCpu,
            lostSockets: held.count { !$0.channel.isActive },
            probesAnswered: probed.answered, probesSent: probed.sent, probeMaxMs: probed.maxMs,
            probeFailure: probed.failure)
    }

    /// Probes sessions spread evenly over those held, one after the other.
    private func probe(_ held: [IdlePage.Connection]) async -> (sent: Int, answered: Int, maxMs: Double?, failure: String?) {
        let count = min(settings.probes, held.count)
        guard count > 0 else { return (0, 0, nil, nil) }
        var answered = 0
        var slowest = 0.0
        var failure: String?
        for index in stride(from: 0, to: held.count, by: max(held.count / count, 1)).prefix(count) {
            do {
                slowest = max(slowest, try await held[index].probe(timeout: settings.probeTimeout))
                answered += 1
            } catch {
                failure = failure ?? "session \(index + 1): \(error)"
            }
        }
        return (count, answered, answered > 0 ? slowest : nil, failure)
    }

    /// A held session that lost its socket, or a probe not answered: the
    /// server ended idle sessions (a timer, a ping not answered), or
    /// stopped answering.
    private func lostSessions(_ held: [IdlePage.Connection], probed step: ScaleFigures.Step) async -> ScaleStop? {
        let lost = held.filter { !$0.channel.isActive }
        if let first = lost.first {
            let reason = await first.lost() ?? "closed"
            return .failed("\(lost.count) of \(held.count) held sessions lost their socket (the first: \(reason))")
        }
        if step.probesAnswered < step.probesSent {
            return .failed("\(step.probesSent - step.probesAnswered) of \(step.probesSent) probed sessions did not answer "
                + "(\(step.probeFailure ?? "no reason"))")
        }
        return nil
    }
}
