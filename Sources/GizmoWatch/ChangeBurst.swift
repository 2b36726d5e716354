import Dispatch

/// The changes the file watcher has seen and not yet reported, and when to
/// report them: a plain struct whose events answer what to do, so the
/// coalescing is tested without files, threads or clocks.
///
/// Changes are gathered until the tree has been quiet for `quiet`, or
/// `longest` has passed since the first of them, so one save that is several
/// writes, renames and deletes is one burst, and a tree that never rests
/// still reports.
struct ChangeBurst {
    let quiet: UInt64
    let longest: UInt64
    private(set) var pending: Set<String> = []
    private var started: UInt64?
    private var generation = 0

    /// When to call ``due(_:now:)`` with which generation.
    struct Check: Equatable {
        var at: UInt64
        var generation: Int
    }

    /// Times are nanoseconds on one monotonic clock (`DispatchTime.uptimeNanoseconds`).
    init(quiet: UInt64, longest: UInt64) {
        self.quiet = quiet
        self.longest = longest
    }

    mutating func changed(_ path: String) {
        pending.insert(path)
    }

    mutating func changed(_ paths: some Sequence<String>) {
        pending.formUnion(paths)
    }

    /// A read of events is over: when to check whether the burst has ended.
    mutating func eventsRead(now: UInt64) -> Check? {
        guard !pending.isEmpty else { return nil }
        let started = started ?? now
        self.started = started
        generation += 1
        return Check(at: min(now + quiet, started + longest), generation: generation)
    }

    /// The burst to report, when no event came since the check was asked
    /// for, or the burst has lasted `longest`; nil otherwise.
    mutating func due(_ generation: Int, now: UInt64) -> Set<String>? {
        guard !pending.isEmpty, let started else { return nil }
        guard generation == self.generation || now >= started + longest else { return nil }
        defer {
            pending = []
            self.started = nil
        }
        return pending
    }
}
