import Foundation

/// A process's RLIMIT_NOFILE: how many descriptors it may hold, and how far
/// it may raise that itself.
///
/// Every idle session holds a socket in the server and one in the client, so
/// both need a limit above the sessions they hold. A deployment raises the
/// server's as `ulimit -n`, systemd's `LimitNOFILE=` or `podman run --ulimit`
/// do: the soft limit up to the hard one needs no privilege; a hard limit
/// above its own needs CAP_SYS_RESOURCE (root on a machine, not in every
/// sandbox), and never passes `fs.nr_open`.
struct FileLimit: Sendable, Equatable, Codable {
    var soft: Int
    var hard: Int

    /// This process's limit now.
    static var current: FileLimit {
        var limit = rlimit()
        getrlimit(resource, &limit)
        return FileLimit(soft: Self.int(limit.rlim_cur), hard: Self.int(limit.rlim_max))
    }

    /// Raises this process's limit to `wanted` (children, such as the server
    /// the bench starts, inherit it): the soft limit up to the hard one, and
    /// the hard one too when the process may.
    /// - Returns: the limit it runs with now, and why it is below `wanted`.
    static func raise(to wanted: Int) -> (FileLimit, shortfall: String?) {
        let before = current
        guard before.soft < wanted else { return (before, nil) }
        if wanted > before.hard {
            var limit = rlimit(rlim_cur: rlim_t(wanted), rlim_max: rlim_t(wanted))
            if setrlimit(resource, &limit) == 0 { return (current, nil) }
            let reason = String(cString: strerror(errno))
            var soft = rlimit(rlim_cur: rlim_t(before.hard), rlim_max: rlim_t(before.hard))
            setrlimit(resource, &soft)
            return (current, "RLIMIT_NOFILE: \(wanted) asked, but the hard limit is \(before.hard) and this process may not "
                + "raise it (\(reason): raising it needs CAP_SYS_RESOURCE, and fs.nr_open bounds it); "
                + "running with \(current.soft)")
        }
        var limit = rlimit(rlim_cur: rlim_t(wanted), rlim_max: rlim_t(before.hard))
        setrlimit(resource, &limit)
        return (current, nil)
    }

    private static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)

    private static func int(_ value: rlim_t) -> Int {
        // RLIM_INFINITY is all ones.
        value > rlim_t(Int.max) ? Int.max : Int(value)
    }
}
