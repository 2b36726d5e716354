import Foundation

/// The server's own RLIMIT_NOFILE. Every open page holds a socket, so a
/// server holds about one descriptor per session. Many systems start
/// programs with a soft limit of 1,024 under a far higher hard limit
/// (systemd 240 and later, containerd 2): the server raises its soft limit to
/// the hard one at start, as Go's runtime does, which needs no privilege.
enum DescriptorLimit {
    /// Descriptors the server needs besides its pages (listening socket,
    /// store files, logs, the programs' pipes) in a rough count.
    static let reserve = 256

    /// Raises the soft limit to the hard one; answers the soft limit now.
    @discardableResult
    static func raiseToHard() -> Int {
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return Int.max }
        if limit.rlim_cur < limit.rlim_max {
            var raised = rlimit(rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max)
            if setrlimit(resource, &raised) == 0 { limit = raised }
        }
        return limit.rlim_cur > rlim_t(Int.max) ? Int.max : Int(limit.rlim_cur)
    }

    /// A note when `sessions` pages would not fit in `limit` descriptors.
    static func note(sessions: Int, limit: Int) -> String? {
        let needed = sessions.addingReportingOverflow(reserve)
        guard !needed.overflow, needed.partialValue > limit else { return nil }
        return "gizmolua: --max-sessions \(sessions) needs about \(needed.partialValue) open files, but this process may "
            + "hold \(limit); past about \(max(limit - reserve, 0)) open pages new ones fail. Raise the limit "
            + "(ulimit -n, systemd's LimitNOFILE=, podman run --ulimit nofile=...; docs/deploy.md) or lower --max-sessions."
    }

    private static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
}
