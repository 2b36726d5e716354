import Foundation

/// What /proc says about the limits many sockets meet: the memory left, a
/// process's descriptors and their limit, the kernel's settings.
extension ProcFS {
    /// MemAvailable of /proc/meminfo: what can still be allocated without
    /// swapping or the OOM killer, in KiB.
    static func memAvailableKiB() throws -> Int {
        let path = "/proc/meminfo"
        guard let kib = number(after: "MemAvailable", in: try String(contentsOfFile: path, encoding: .utf8)) else {
            throw BenchError("no MemAvailable in \(path)")
        }
        return kib
    }

    /// How many descriptors `pid` holds open (entries of /proc/<pid>/fd).
    static func openFiles(_ pid: pid_t) -> Int? {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd"))?.count
    }

    /// The RLIMIT_NOFILE `pid` runs with (its "Max open files" in /proc/<pid>/limits).
    static func fileLimit(_ pid: pid_t) -> FileLimit? {
        (try? String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8)).flatMap(fileLimit(inLimits:))
    }

    /// The number after `field:` on its line of a /proc file such as
    /// meminfo or status (`MemAvailable:   1234 kB`).
    static func number(after field: String, in text: String) -> Int? {
        for line in text.split(separator: "\n") where line.hasPrefix("\(field):") {
            return line.dropFirst(field.count + 1).split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) }
        }
        return nil
    }

    /// The "Max open files" line of a /proc/<pid>/limits text (soft, hard;
    /// "unlimited" as Int.max).
    static func fileLimit(inLimits text: String) -> FileLimit? {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Max open files") }) else { return nil }
        let values = line.dropFirst("Max open files".count).split(whereSeparator: \.isWhitespace)
            .prefix(2).map { $0 == "unlimited" ? Int.max : Int($0) }
        guard values.count == 2, let soft = values[0], let hard = values[1] else { return nil }
        return FileLimit(soft: soft, hard: hard)
    }

    /// The kernel settings many idle sockets meet, each as /proc/sys holds
    /// it (nil: not there, such as nf_conntrack's when the module is not loaded).
    static func kernelSettings() -> [(name: String, value: String?)] {
        ["fs/file-max", "fs/nr_open", "net/core/somaxconn", "net/ipv4/ip_local_port_range",
         "net/ipv4/tcp_max_tw_buckets", "net/netfilter/nf_conntrack_max", "net/ipv4/tcp_mem"].map { path in
            let value = try? String(contentsOfFile: "/proc/sys/\(path)", encoding: .utf8)
            let name = path.split(separator: "/").dropFirst().joined(separator: ".")
            return (name, value.map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") })
        }
    }

    /// How many ports `net.ipv4.ip_local_port_range` ("32768\t60999") gives
    /// each source address.
    static func ephemeralPorts(inRange text: String) -> Int? {
        let bounds = text.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        guard bounds.count == 2, bounds[0] <= bounds[1] else { return nil }
        return bounds[1] - bounds[0] + 1
    }

    /// The machine's ephemeral ports per source address (28,232 by Linux's default).
    static func ephemeralPorts() -> Int? {
        (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8))
            .flatMap(ephemeralPorts(inRange:))
    }
}
