import Foundation

/// What Linux's /proc says about a process: its memory, its CPU time, its
/// parent, whether it still runs.
enum ProcFS {
    /// A field of `/proc/<pid>/status` given in kB: VmRSS, RssAnon, ...
    static func statusKiB(_ pid: pid_t, _ field: String) throws -> Int {
        try kib(field, in: "/proc/\(pid)/status")
    }

    /// How many threads `pid` has now (`Threads` of `/proc/<pid>/status`).
    static func threads(_ pid: pid_t) throws -> Int {
        try kib("Threads", in: "/proc/\(pid)/status")
    }

    /// The proportional set size (shared pages split between the processes
    /// that map them), from `/proc/<pid>/smaps_rollup`.
    static func pssKiB(_ pid: pid_t) throws -> Int {
        try kib("Pss", in: "/proc/\(pid)/smaps_rollup")
    }

    /// Every process below `pid` (children, their children, ...), from the
    /// parent pids in `/proc/*/stat`; zombies left out.
    static func descendants(of pid: pid_t) -> [pid_t] {
        let children = childrenByParent()
        var found: [pid_t] = []
        var next = children[pid] ?? []
        while let child = next.popLast() {
            found.append(child)
            next += children[child] ?? []
        }
        return found
    }

    /// Those of `pids` with no process below them.
    static func leaves(_ pids: [pid_t]) -> [pid_t] {
        let children = childrenByParent()
        return pids.filter { children[$0] == nil }
    }

    /// The CPU time `pid` has used, user and system (utime + stime of
    /// `/proc/<pid>/stat`, all its threads), in seconds; at the kernel's
    /// clock tick (10 ms).
    static func cpuSeconds(_ pid: pid_t) throws -> Double {
        // After the state (field 3), utime and stime are fields 14 and 15.
        guard let fields = statFields(pid), fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else {
            throw BenchError("no CPU times in /proc/\(pid)/stat")
        }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Whether `pid` is a process that has not exited (a zombie has).
    static func isRunning(_ pid: pid_t) -> Bool {
        guard let (state, _) = stat(pid) else { return false }
        return state != "Z"
    }

    /// Each running process's children, by parent pid; zombies left out.
    private static func childrenByParent() -> [pid_t: [pid_t]] {
        var children: [pid_t: [pid_t]] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let child = pid_t(entry), let (state, parent) = stat(child), state != "Z" else { continue }
            children[parent, default: []].append(child)
        }
        return children
    }

    /// The state letter and parent pid of `/proc/<pid>/stat` (they follow
    /// the command name, which is in parentheses and may hold anything).
    private static func stat(_ pid: pid_t) -> (Character, pid_t)? {
        guard let fields = statFields(pid), fields.count > 1, let state = fields[0].first, let parent = pid_t(fields[1]) else { return nil }
        return (state, parent)
    }

    /// The fields of `/proc/<pid>/stat` after the command name, from the state on.
    private static func statFields(_ pid: pid_t) -> [Substring]? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")")
        else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }

    /// The number after `field:` in a file of such lines (in kB, for memory).
    private static func kib(_ field: String, in path: String) throws -> Int {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("\(field):") }),
              let kib = Int(line.split(whereSeparator: \.isWhitespace)[1])
        else { throw BenchError("no \(field) in \(path)") }
        return kib
    }
}
