import Synchronization

/// What a program's output brings its Lua state: lines in the order they
/// were read (in order per stream), then its end.
public enum ProcessEvent: Sendable, Equatable {
    case line(OutputStream, String)
    case exit(Termination)
}

/// Which of a program's outputs a line came from.
public enum OutputStream: String, Sendable {
    case stdout, stderr
}

/// How a program ended.
public enum Termination: Sendable, Equatable {
    case exited(Int32)
    case signaled(Int32)
}

/// The lines of one program waiting for its Lua state, bounded.
///
/// The readers offer what each read of a pipe gave; when ``capacity`` bytes
/// of lines wait, a reader's `offer` does not return until the state's turn
/// has taken them (``take()``). The reader then reads nothing, the pipe
/// fills, and the program blocks in `write`: a program printing faster than
/// its gizmo handles is slowed down, never buffered without bound.
/// At most one read (64 KiB) more than the capacity waits.
public final class OutputMailbox: Sendable {
    /// Bytes of lines that may wait before the readers stop reading.
    public static let defaultCapacity = 256 << 10
    /// What each line costs beside its bytes, so a flood of empty lines is bounded too.
    static let lineOverhead = 32

    public let capacity: Int
    /// Whether lines are kept: a program whose script has no `on_line` has
    /// its output read and dropped, so that it never blocks.
    public let keepsLines: Bool
    private let state = Mutex<State>(State())
    /// Called when events come to an empty mailbox (the state then asks for a turn).
    private let ready: @Sendable () -> Void

    private struct State {
        var events: [ProcessEvent] = []
        var bytes = 0
        var highWater = 0
        var discarding = false
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    public init(capacity: Int = OutputMailbox.defaultCapacity, keepsLines: Bool, ready: @escaping @Sendable () -> Void) {
        self.capacity = capacity
        self.keepsLines = keepsLines
        self.ready = ready
    }

    /// Adds the lines a read gave, then waits while the mailbox is full.
    public func offer(_ lines: [String], from stream: OutputStream) async {
        guard keepsLines, !lines.isEmpty else { return }
        deliver(lines, from: stream)
        await withCheckedContinuation { continuation in
            let full = state.withLock { state -> Bool in
                guard state.bytes >= capacity, !state.discarding else { return false }
                state.waiting.append(continuation)
                return true
            }
            if !full { continuation.resume() }
        }
    }

    /// Adds lines without waiting, however many wait already: for a
    /// stand-in program of the test harness (`t.fake_run`), whose lines
    /// must be in the mailbox when the call that made them returns (the
    /// harness's settling then sees them). Its lines are few and scripted,
    /// so no backpressure is lost that a real program would need.
    public func deliver(_ lines: [String], from stream: OutputStream) {
        guard keepsLines, !lines.isEmpty else { return }
        let wasEmpty = state.withLock { state -> Bool? in
            guard !state.discarding else { return nil }
            let wasEmpty = state.events.isEmpty
            for line in lines {
                state.events.append(.line(stream, line))
                state.bytes += line.utf8.count + Self.lineOverhead
            }
            state.highWater = max(state.highWater, state.bytes)
            return wasEmpty
        }
        if wasEmpty == true { ready() }
    }

    /// The program has ended and both its outputs are read: the last event.
    public func finish(_ termination: Termination) {
        let wasEmpty = state.withLock { state -> Bool? in
            guard !state.discarding else { return nil }
            state.events.append(.exit(termination))
            return state.events.count == 1
        }
        if wasEmpty == true { ready() }
    }

    /// Every event waiting, oldest first; frees the readers.
    public func take() -> [ProcessEvent] {
        let (events, waiting) = state.withLock { state in
            defer {
                state.events = []
                state.bytes = 0
                state.waiting = []
            }
            return (state.events, state.waiting)
        }
        for continuation in waiting { continuation.resume() }
        return events
    }

    /// Drops what waits and everything after (the state is closing): the
    /// readers go on reading, so the program never blocks on a full pipe.
    public func discard() {
        let waiting = state.withLock { state in
            defer {
                state.discarding = true
                state.events = []
                state.bytes = 0
                state.waiting = []
            }
            return state.waiting
        }
        for continuation in waiting { continuation.resume() }
    }

    /// Bytes of lines waiting now.
    public var heldBytes: Int { state.withLock { $0.bytes } }
    /// The most bytes that ever waited at once (tests and the bench).
    public var highWater: Int { state.withLock { $0.highWater } }
}
