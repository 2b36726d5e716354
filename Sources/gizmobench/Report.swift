import Foundation

/// The table `make bench` prints: each figure with its budget from
/// design.md ("Performance budgets") and whether it was met.
enum Report {
    static func table(_ figures: Figures) -> String {
        var lines = [row("measurement", "n", "p50", "p99", "max", "budget", "")]
        func latency(_ name: String, _ stats: Stats, budget: Double?) {
            lines.append(row(name, "\(stats.count)", ms(stats.p50), ms(stats.p99), ms(stats.max),
                             budget.map { "p50 <= \(ms($0))" } ?? "-",
                             budget.map { stats.p50 <= $0 ? "ok" : "MISSED" } ?? ""))
        }
        if let paint = figures.firstPaint { lines += firstPaintRows(paint) }
        latency("session start (ms)", figures.sessionStartMs, budget: 5)
        latency("round trip, 1 session (ms)", figures.roundTripOneSessionMs, budget: 0.3)
        let sessions = figures.concurrentSessions
        let rate = 1000 / figures.pacedPauseMs
        latency("round trip, \(sessions) sessions, \(String(format: "%g", rate))/s each (ms)", figures.roundTripConcurrentMs, budget: 0.3)
        latency("  through Hummingbird's WebSocket client (ms)", figures.roundTripConcurrentTaskClientMs, budget: nil)
        latency("  floor: loopback TCP echo, \(String(format: "%g", rate))/s (ms)", figures.loopbackFloorMs, budget: nil)
        // Issue 16's budget is a ratio: a host whose every wake-up is dear
        // raises the floor and the round trip together.
        lines.append(ratioRow("  round trip over the floor (p50 / p50)", figures.roundTripOverFloor, atMost: 3))
        latency("round trip, \(sessions) sessions, flat out (ms)", figures.roundTripSaturatedMs, budget: nil)
        lines.append(row("throughput, \(sessions) sessions flat out (events/s)", "\(figures.roundTripSaturatedMs.count)",
                         String(format: "%.0f", figures.throughputEventsPerSecond), "", "", "-", ""))
        let memory = figures.memory
        lines.append(row("memory per idle session (KiB)", "\(memory.sessions)", String(format: "%.1f", memory.perSessionKib),
                         "", "", "<= 150", memory.perSessionKib <= 150 ? "ok" : "MISSED"))
        let own = figures.memoryOwnEnvironment
        lines.append(row("  the same in the bench's environment (KiB)", "\(own.sessions)", String(format: "%.1f", own.perSessionKib),
                         "", "", "-", ""))
        latency("hot reload (ms)", figures.hotReloadMs, budget: 100)
        latency("start-up, exec to accept (ms)", figures.startupMs, budget: 100)
        let spinning = figures.spinning
        let start = spinning.sessionStartMs
        lines.append(row("session start, \(spinning.sessions) sessions spinning (ms)", "\(start.count)", ms(start.p50),
                         ms(start.p99), ms(start.max), "p99 <= 100", start.p99 <= 100 ? "ok" : "MISSED"))
        if spinning.failedStarts > 0 {
            lines.append(row("  starts that failed or took over \(String(format: "%g", spinning.startTimeoutSeconds)) s",
                             "\(spinning.failedStarts)", "", "", "", "-", ""))
        }
        let exit = spinning.sigtermToExitMs
        lines.append(row("  SIGTERM to exit while they spin (ms)", "1", exit.map(ms) ?? "killed", "", "",
                         "<= 2000", (exit ?? .infinity) <= 2000 ? "ok" : "MISSED"))
        lines += fanoutRows(figures.fanout, memory: figures.memoryWatching)
        lines += lineRows(figures.lines)
        if let replicas = figures.replicas { lines += replicaRows(replicas) }
        lines.insert(String(repeating: "-", count: lines[0].count), at: 1)
        let rss = "server RSS \(memory.rssBeforeKib / 1024) MiB before, \(memory.rssAfterKib / 1024) MiB with \(memory.sessions) idle sessions"
            + " in a container's environment (\(Benchmarks.containerEnvironment(dataFolder: URL(filePath: "/")).count) variables, as podman runs the image)"
            + (figures.idleScriptEnvironment.map { "; the bench's has \($0)" } ?? "")
        let sideBySide = figures.sideBySide.map { ["", Self.sideBySide($0, figures)] } ?? []
        return (lines + ["", rss] + sideBySide + ["", load(figures.machine)]).joined(separator: "\n")
    }

    /// hello_env's first paint in Chromium, its static copy's, and their
    /// ratio against issue 16's budget (a ratio: both move with the machine).
    static func firstPaintRows(_ paint: FirstPaintFigures) -> [String] {
        func latency(_ name: String, _ stats: Stats) -> String {
            row(name, "\(stats.count)", ms(stats.p50), ms(stats.p99), ms(stats.max), "-", "")
        }
        return [
            latency("first paint of hello_env in Chromium (ms)", paint.gizmoMs),
            latency("  floor: the same page as a static file (ms)", paint.staticMs),
            ratioRow("  first paint over the floor (p50 / p50)", paint.ratio, atMost: 1.2),
        ]
    }

    /// `--only first-paint`: those rows alone, under the table's header.
    static func firstPaint(_ paint: FirstPaintFigures, machine: Figures.Machine) -> String {
        let header = row("measurement", "n", "p50", "p99", "max", "budget", "")
        let about = "Chromium \(paint.browser); \(paint.rounds) rounds after \(paint.warmupRounds), interleaved; "
            + "the child page \(paint.childPageBytes) bytes, its static copy \(paint.staticBytes); text in the DOM at p50 "
            + "\(ms(paint.gizmoInDomMs.p50)) and \(ms(paint.staticInDomMs.p50)) ms"
        return ([header, String(repeating: "-", count: header.count)] + firstPaintRows(paint) + ["", about, "", load(machine)])
            .joined(separator: "\n")
    }

    /// A row whose figure is one p50 over another, against a budget of at
    /// most `budget` times.
    static func ratioRow(_ name: String, _ ratio: Double, atMost budget: Double) -> String {
        row(name, "", String(format: "%.2fx", ratio), "", "", "<= \(String(format: "%g", budget))x",
            ratio <= budget ? "ok" : "MISSED")
    }

    /// The machine's CPUs and how busy it was when the run began.
    static func load(_ machine: Figures.Machine) -> String {
        "\(machine.cpus) CPUs, load average \(String(format: "%.2f", machine.loadAverage)) at the start"
            + (machine.loadAverage > 0.5 ? " (the machine was busy: figures are pessimistic)" : "")
    }

    /// The section that sets H5Gizmos' figures beside gizmolua's.
    static func sideBySide(_ side: SideBySide, _ figures: Figures) -> String {
        let h5 = side.h5gizmos
        func row(_ name: String, _ count: String, _ ours: String, _ theirs: String, _ ratio: String) -> String {
            name.padding(toLength: 46, withPad: " ", startingAt: 0)
                + [count, ours, theirs, ratio].map { String(repeating: " ", count: max(0, 9 - $0.count)) + $0 }.joined()
        }
        func times(_ ratio: Double) -> String { String(format: ratio < 10 ? "%.1fx" : "%.0fx", ratio) }
        func kib(_ value: Double) -> String { String(format: "%.0f", value) }
        let memory = h5.memory
        let header = row("", "n", "gizmolua", "H5Gizmos", "ratio")
        var lines = [
            "side by side with H5Gizmos \(h5.version), its gizmos started through its GizmoLink",
            header,
            String(repeating: "-", count: header.count),
            row("session start, p50 (ms)", "\(h5.sessionStartMs.count)", ms(figures.sessionStartMs.p50),
                ms(h5.sessionStartMs.p50), times(side.ratios.sessionStart)),
            row("round trip, 1 session, p50 (ms)", "\(h5.roundTripMs.count)", ms(figures.roundTripOneSessionMs.p50),
                ms(h5.roundTripMs.p50), times(side.ratios.roundTrip)),
            row("memory per idle \(memory.script) session (KiB)", "\(memory.sessions)", kib(figures.memoryOwnEnvironment.perSessionKib),
                kib(memory.perSessionKib), times(side.ratios.memoryPerSession)),
        ]
        if let theirs = h5.firstPaintMs, let ours = figures.firstPaint, let ratio = side.ratios.firstPaint {
            lines.append(row("first paint of hello_env in Chromium, p50 (ms)", "\(theirs.count)", ms(ours.gizmoMs.p50),
                             ms(theirs.p50), times(ratio)))
        }
        lines += [
            "",
            "H5Gizmos: session start p99 \(ms(h5.sessionStartMs.p99)) ms; round trip p99 \(ms(h5.roundTripMs.p99)) ms, "
                + "p50 \(ms(h5.roundTripDirectMs.p50)) ms straight to the gizmo's port (not through GizmoLink)",
            "H5Gizmos memory: the \(memory.processes) processes GizmoLink launched (a shell and a Python a session) "
                + "\(memory.processesRssKib / 1024) MiB RSS, GizmoLink \(memory.gizmoLinkRssBeforeKib / 1024) -> "
                + "\(memory.gizmoLinkRssAfterKib / 1024) MiB; per session \(kib(memory.perSessionPssKib)) KiB by PSS, "
                + "\(kib(Double(memory.processesRssAnonKib) / Double(max(memory.sessions, 1)))) KiB anonymous",
        ]
        return lines.joined(separator: "\n")
    }

    /// `--only fanout`: the fan-out rows alone, under the table's header.
    static func fanout(_ fanout: FanoutFigures, memory: MemoryFigures, machine: Figures.Machine) -> String {
        let header = row("measurement", "n", "p50", "p99", "max", "budget", "")
        return ([header, String(repeating: "-", count: header.count)] + fanoutRows(fanout, memory: memory) + ["", load(machine)])
            .joined(separator: "\n")
    }

    static func replicas(_ figures: ReplicaFigures, machine: Figures.Machine) -> String {
        let header = row("measurement", "n", "p50", "p99", "max", "budget", "")
        return ([header, String(repeating: "-", count: header.count)] + replicaRows(figures) + ["", load(machine)])
            .joined(separator: "\n")
    }

    /// Issue 17's bar: a change on one replica on another's pages, p50 <= 30 ms.
    static func replicaRows(_ figures: ReplicaFigures) -> [String] {
        let pages = figures.changeToPageMs, set = figures.setRoundTripMs
        return [
            row("change to page on the other replica (ms)", "\(pages.count)",
                ms(pages.p50), ms(pages.p99), ms(pages.max), "p50 <= 30", pages.p50 <= 30 ? "ok" : "MISSED"),
            row("  the driver's click to its set shown (ms)", "\(set.count)", ms(set.p50), ms(set.p99), ms(set.max), "-", ""),
            row("  pages missing the last value", "\(figures.watchers)", "\(figures.pagesMissingFinal)", "", "",
                "0", figures.pagesMissingFinal == 0 ? "ok" : "MISSED"),
        ]
    }

    static func lines(_ figures: LineFigures, machine: Figures.Machine) -> String {
        let header = row("measurement", "n", "p50", "p99", "max", "budget", "")
        return ([header, String(repeating: "-", count: header.count)] + lineRows(figures) + ["", load(machine)])
            .joined(separator: "\n")
    }

    /// A spawned process's lines reaching the pages of its module, and a
    /// loud process's 100 MB through one service. Budgets from issue 14's bars.
    static func lineRows(_ figures: LineFigures) -> [String] {
        let pages = figures.lineToPageMs
        let rate = String(format: "%g", figures.linesPerSecond)
        let over = figures.bulkMostRssMiB - figures.restRssMiB
        let mb = Double(figures.bulkBytes) / 1_000_000
        return [
            row("process line to page, \(figures.sessions) watching, \(rate)/s (ms)", "\(pages.count)", ms(pages.p50),
                ms(pages.p99), ms(pages.max), "p50/p99 <= 10/50", pages.p50 <= 10 && pages.p99 <= 50 ? "ok" : "MISSED"),
            row("  line to its last page (ms)", "\(figures.lineToLastPageMs.count)", ms(figures.lineToLastPageMs.p50),
                ms(figures.lineToLastPageMs.p99), ms(figures.lineToLastPageMs.max), "-", ""),
            row("  pages missing the last line", "\(figures.sessions)", "\(figures.pagesMissingFinal)", "", "",
                "0", figures.pagesMissingFinal == 0 ? "ok" : "MISSED"),
            row(String(format: "%.0f MB of output, server RSS over rest (MiB)", mb), "1", String(format: "%.1f", over),
                "", "", "<= 50", over <= 50 ? "ok" : "MISSED"),
            row("  rest, most (MiB); seconds; MB/s", "1", String(format: "%.0f", figures.restRssMiB),
                String(format: "%.0f", figures.bulkMostRssMiB), String(format: "%.1f", figures.bulkSeconds),
                String(format: "%.1f MB/s", mb / max(figures.bulkSeconds, 0.001)), ""),
        ]
    }

    /// One key changed by a driver's clicks, watched by many sessions; the
    /// memory of idle watching sessions. Budgets from issue 13's bars.
    static func fanoutRows(_ fanout: FanoutFigures, memory: MemoryFigures) -> [String] {
        let pages = fanout.changeToPageMs
        let rate = String(format: "%g", fanout.changesPerSecond)
        var rows = [
            row("change to page, \(fanout.sessions) watching, \(rate)/s (ms)", "\(pages.count)", ms(pages.p50), ms(pages.p99),
                ms(pages.max), "p50/p99 <= 20/100", pages.p50 <= 20 && pages.p99 <= 100 ? "ok" : "MISSED"),
            row("  change to its last page (ms)", "\(fanout.changeToLastPageMs.count)", ms(fanout.changeToLastPageMs.p50),
                ms(fanout.changeToLastPageMs.p99), ms(fanout.changeToLastPageMs.max), "-", ""),
            // Issue 16's budget: 1,000 watchers at 10 Hz under one core (cores: of one core's time).
            row("  server CPU meanwhile (cores)", "1", String(format: "%.2f", fanout.serverCpuCores),
                "", "", "< 1 core", fanout.serverCpuCores < 1 ? "ok" : "MISSED"),
            row("    per change and watching page (µs)", "1", String(format: "%.1f", fanout.serverCpuPerPageMicroseconds),
                "", "", "-", ""),
            row("    server threads, before and at most", "\(fanout.serverThreadsBefore)", "\(fanout.serverThreadsMost)",
                "", "", "-", ""),
            row("  the bench's own CPU meanwhile (cores)", "1", String(format: "%.2f", fanout.benchCpuCores), "", "", "-", ""),
            row("  pages missing the last value", "\(fanout.sessions)", "\(fanout.pagesMissingFinal)", "", "",
                "0", fanout.pagesMissingFinal == 0 ? "ok" : "MISSED"),
            row("  changes a page got as a later value", "\(pages.count)", "\(fanout.coalesced)", "", "", "-", ""),
            row("  the driver's click to its set shown (ms)", "\(fanout.setRoundTripMs.count)", ms(fanout.setRoundTripMs.p50),
                ms(fanout.setRoundTripMs.p99), ms(fanout.setRoundTripMs.max), "-", ""),
            row("memory per idle watching session (KiB)", "\(memory.sessions)", String(format: "%.1f", memory.perSessionKib),
                "", "", "<= 160", memory.perSessionKib <= 160 ? "ok" : "MISSED"),
        ]
        if fanout.pagesLost > 0 {
            rows.insert(row("    of which lost their socket", "\(fanout.pagesLost)", "", "", "", "-", ""), at: 7)
        }
        return rows
    }

    /// `--only spinning`: that measurement alone.
    static func spinning(_ figures: SpinningFigures) -> String {
        let start = figures.sessionStartMs
        let exit = figures.sigtermToExitMs.map { "\(ms($0)) ms" }
            ?? "no exit within \(String(format: "%g", figures.exitTimeoutSeconds)) s (killed)"
        return "\(figures.sessions) sessions spinning (--cpu-limit \(String(format: "%g", figures.cpuLimitSeconds)), "
            + "\(figures.failedLaunches) failed to launch): session start n \(start.count), p50 \(ms(start.p50)) ms, "
            + "p99 \(ms(start.p99)) ms, max \(ms(start.max)) ms, \(figures.failedStarts) failed or over "
            + "\(String(format: "%g", figures.startTimeoutSeconds)) s; SIGTERM to exit \(exit)"
    }

    /// `--only h5gizmos`: H5Gizmos' figures alone.
    static func h5gizmos(_ h5: H5GizmosFigures) -> String {
        let memory = h5.memory
        var lines = [
            "H5Gizmos \(h5.version), through GizmoLink",
            "session start (ms): n \(h5.sessionStartMs.count), p50 \(ms(h5.sessionStartMs.p50)), p99 \(ms(h5.sessionStartMs.p99))",
            "round trip (ms): n \(h5.roundTripMs.count), p50 \(ms(h5.roundTripMs.p50)), p99 \(ms(h5.roundTripMs.p99)); "
                + "straight to the gizmo's port p50 \(ms(h5.roundTripDirectMs.p50))",
        ]
        if let paint = h5.firstPaintMs {
            lines.append("first paint of hello_env in Chromium (ms): n \(paint.count), p50 \(ms(paint.p50)), max \(ms(paint.max))")
        }
        lines.append("memory per idle \(memory.script) session (KiB): \(String(format: "%.0f", memory.perSessionKib)) "
            + "(by PSS \(String(format: "%.0f", memory.perSessionPssKib)); \(memory.processes) processes for \(memory.sessions) sessions)")
        return lines.joined(separator: "\n")
    }

    private static func row(_ name: String, _ count: String, _ p50: String, _ p99: String, _ maximum: String,
                            _ budget: String, _ verdict: String) -> String {
        name.padding(toLength: 46, withPad: " ", startingAt: 0)
            + [count, p50, p99, maximum].map { String(repeating: " ", count: max(0, 9 - $0.count)) + $0 }.joined()
            + "   " + budget.padding(toLength: 18, withPad: " ", startingAt: 0) + verdict
    }

    private static func ms(_ value: Double) -> String {
        value < 1 ? String(format: "%.3f", value) : String(format: "%.2f", value)
    }
}
