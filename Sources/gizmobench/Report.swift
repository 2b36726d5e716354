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
        latency("session start (ms)", figures.sessionStartMs, budget: 5)
        latency("round trip, 1 session (ms)", figures.roundTripOneSessionMs, budget: 0.3)
        let sessions = figures.concurrentSessions
        let rate = 1000 / figures.pacedPauseMs
        latency("round trip, \(sessions) sessions, \(String(format: "%g", rate))/s each (ms)", figures.roundTripConcurrentMs, budget: 0.3)
        latency("round trip, \(sessions) sessions, flat out (ms)", figures.roundTripSaturatedMs, budget: nil)
        lines.append(row("throughput, \(sessions) sessions flat out (events/s)", "\(figures.roundTripSaturatedMs.count)",
                         String(format: "%.0f", figures.throughputEventsPerSecond), "", "", "-", ""))
        let memory = figures.memory
        lines.append(row("memory per idle session (KiB)", "\(memory.sessions)", String(format: "%.1f", memory.perSessionKib),
                         "", "", "<= 150", memory.perSessionKib <= 150 ? "ok" : "MISSED"))
        latency("hot reload (ms)", figures.hotReloadMs, budget: 100)
        latency("start-up, exec to accept (ms)", figures.startupMs, budget: 100)
        lines.insert(String(repeating: "-", count: lines[0].count), at: 1)
        let rss = "server RSS \(memory.rssBeforeKib / 1024) MiB before, \(memory.rssAfterKib / 1024) MiB with \(memory.sessions) idle sessions"
        let machine = figures.machine
        let load = "\(machine.cpus) CPUs, load average \(String(format: "%.2f", machine.loadAverage)) at the start"
            + (machine.loadAverage > 0.5 ? " (the machine was busy: figures are pessimistic)" : "")
        return (lines + ["", rss, load]).joined(separator: "\n")
    }

    private static func row(_ name: String, _ count: String, _ p50: String, _ p99: String, _ maximum: String,
                            _ budget: String, _ verdict: String) -> String {
        name.padding(toLength: 46, withPad: " ", startingAt: 0)
            + [count, p50, p99, maximum].map { String(repeating: " ", count: max(0, 9 - $0.count)) + $0 }.joined()
            + "   " + budget.padding(toLength: 14, withPad: " ", startingAt: 0) + verdict
    }

    private static func ms(_ value: Double) -> String {
        value < 1 ? String(format: "%.3f", value) : String(format: "%.2f", value)
    }
}
