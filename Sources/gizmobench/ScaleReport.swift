import Foundation

/// The table `gizmobench scale` prints: a row per step, then the limit.
enum ScaleReport {
    static let header = [
        "sessions", "open s", "opens/s", "server RSS MiB", "KiB/session", "step KiB/s.", "server fds",
        "client fds", "client RSS MiB", "MemAvail GiB", "idle CPU %", "lost", "probes", "probe max ms",
    ]

    static func table(_ figures: ScaleFigures) -> String {
        var lines = [
            "gizmobench scale: idle \(figures.script) sessions over \(figures.addresses) source address"
                + "\(figures.addresses == 1 ? "" : "es"), steps of \(figures.step), target \(figures.target)",
            "machine: \(figures.machine.cpus) CPUs, kernel \(figures.machine.kernel), load \(String(format: "%.2f", figures.machine.loadAverage))",
            "RLIMIT_NOFILE: client \(limit(figures.clientFileLimit)), server \(figures.serverFileLimit.map(limit) ?? "?")",
            "kernel: " + figures.kernel.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "),
            "baseline: server RSS \(figures.baselineRssKib / 1024) MiB with \(figures.warmup) warm-up sessions",
            "",
            "| " + header.joined(separator: " | ") + " |",
            "|" + String(repeating: " ---: |", count: header.count),
        ]
        lines += figures.steps.map(row)
        lines += ["", "held \(figures.held) sessions; stopped by: \(figures.limit): \(figures.explanation)"]
        return lines.joined(separator: "\n")
    }

    /// One step as a Markdown table row (docs/performance.md takes it as it is).
    static func row(_ step: ScaleFigures.Step) -> String {
        let opened = step.openSeconds > 0
        var cells: [String] = ["\(step.sessions)"]
        cells.append(opened ? format(step.openSeconds, 1) : "held")
        cells.append(opened ? format(step.opensPerSecond, 0) : "")
        cells.append(format(Double(step.serverRssKib) / 1024, 0))
        cells.append(format(step.kibPerSession, 1))
        cells.append(step.stepKibPerSession.map { format($0, 1) } ?? "")
        cells.append("\(step.serverFiles)")
        cells.append("\(step.clientFiles)")
        cells.append(format(Double(step.clientRssKib) / 1024, 0))
        cells.append(format(Double(step.memAvailableKib) / 1_048_576, 1))
        cells.append(step.idleCpuPercent.map { format($0, 1) } ?? "?")
        cells.append("\(step.lostSockets)")
        cells.append("\(step.probesAnswered)/\(step.probesSent)")
        cells.append(step.probeMaxMs.map { format($0, 1) } ?? "")
        return "| " + cells.joined(separator: " | ") + " |"
    }

    private static func limit(_ limit: FileLimit) -> String {
        "\(limit.soft == .max ? "unlimited" : "\(limit.soft)") (hard \(limit.hard == .max ? "unlimited" : "\(limit.hard)"))"
    }

    private static func format(_ value: Double, _ decimals: Int) -> String {
        String(format: "%.\(decimals)f", value)
    }
}
