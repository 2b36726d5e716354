import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What /proc tells of a process: `pr:stats()` (gz.process).
public struct ProcessStats: Sendable, Equatable {
    /// The kernel's one-letter state: R running, S sleeping, D disk wait,
    /// T stopped, Z zombie, ...
    public var state: String
    /// User and system CPU time, in seconds.
    public var cpuSeconds: Double
    /// Resident memory, in bytes.
    public var rssBytes: Int
    public var threads: Int

    public init(state: String, cpuSeconds: Double, rssBytes: Int, threads: Int) {
        self.state = state
        self.cpuSeconds = cpuSeconds
        self.rssBytes = rssBytes
        self.threads = threads
    }

    /// The largest pid Linux hands out (`pid_max` cannot be set higher).
    public static let maxPID = 4_194_304

    /// The stats of `pid` now; nil when there is no such process.
    public static func read(pid: Int32, proc: String = "/proc") -> ProcessStats? {
        guard pid > 0, let stat = text("\(proc)/\(pid)/stat") else { return nil }
        let status = text("\(proc)/\(pid)/status") ?? ""
        return parse(stat: stat, status: status, ticksPerSecond: ticksPerSecond)
    }

    /// Parses /proc/PID/stat (state, utime, stime, num_threads) and
    /// /proc/PID/status (VmRSS; a zombie or a kernel thread has none: 0).
    static func parse(stat: String, status: String, ticksPerSecond: Double) -> ProcessStats? {
        // The command's name is in parentheses and may hold spaces and
        // parentheses itself: the fields start after the last ')'.
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        // fields[0] is field 3 (state); utime is 14, stime 15, num_threads 20.
        guard fields.count >= 18, let utime = Double(fields[11]), let stime = Double(fields[12]),
              let threads = Int(fields[17]) else { return nil }
        var rss = 0
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if parts.count >= 2, let kib = Int(parts[1]) { rss = kib * 1024 }
        }
        return ProcessStats(state: String(fields[0]), cpuSeconds: (utime + stime) / ticksPerSecond,
                            rssBytes: rss, threads: threads)
    }

    /// Whether `pid` is a live process: it exists and is not a zombie.
    public static func isRunning(pid: Int32, proc: String = "/proc") -> Bool {
        guard pid > 0 else { return false }
        if kill(pid, 0) != 0, errno != EPERM { return false }
        guard let stat = read(pid: pid, proc: proc) else { return true } // /proc hidden: kill said it is there
        return stat.state != "Z" && stat.state != "X"
    }

    static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    private static func text(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
