/// The changes of one watch not yet delivered, coalesced: a watcher slower
/// than the changes gets the latest value, never a backlog. A list's items
/// queue in order up to the list's `keep`; past it the oldest are dropped and
/// counted, and the delivery starts with the whole list instead (a gap).
public struct WatchMailbox: Sendable {
    public enum Event: Sendable, Equatable {
        case value(String?)
        case item(seq: Int64, json: String)
    }

    /// The newest version offered: older changes (a late notification) are dropped.
    private var version: Int64
    /// The last list item delivered, so a gap's list and later items never overlap.
    public private(set) var deliveredSeq: Int64
    private var events: [Event] = []
    private var itemCount = 0
    private var missed = 0

    /// - Parameter version: the version of the value the watch started from.
    public init(version: Int64, lastSeq: Int64 = 0) {
        self.version = version
        self.deliveredSeq = lastSeq
    }

    public var isEmpty: Bool { events.isEmpty && missed == 0 }

    /// Notes a change; answers whether the mailbox was empty before (the
    /// caller schedules a delivery then).
    public mutating func offer(_ change: StoreChange) -> Bool {
        guard change.version > version else { return false }
        version = change.version
        let wasEmpty = isEmpty
        switch change.kind {
        case .set(let json):
            events = [.value(json)]
            itemCount = 0
            missed = 0
        case .append(let seq, let item, let keep):
            events.append(.item(seq: seq, json: item))
            itemCount += 1
            if itemCount > keep, let first = events.firstIndex(where: { if case .item = $0 { true } else { false } }) {
                events.remove(at: first)
                itemCount -= 1
                missed += 1
            }
        case .list(let lastSeq):
            // Items after the newest one delivered or waiting were missed.
            let seen = events.reduce(deliveredSeq) { if case .item(let seq, _) = $1 { max($0, seq) } else { $0 } }
            guard lastSeq > seen else { return false }
            missed += Int(lastSeq - seen)
        }
        return wasEmpty
    }

    /// What to deliver now, and how many items were missed (0: no gap).
    public mutating func take() -> (events: [Event], missed: Int) {
        defer { events = []; itemCount = 0; missed = 0 }
        return (events, missed)
    }

    /// Items up to `seq` were delivered (one by one, or in a gap's whole list).
    public mutating func delivered(upTo seq: Int64) {
        deliveredSeq = max(deliveredSeq, seq)
    }
}
