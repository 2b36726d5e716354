import NIOCore

/// What an HTTP connection must send by when: the state of
/// ``RequestDeadlineHandler``, as a plain struct whose events answer what
/// to do, so its rules are tested without sockets or clocks.
///
/// A connection is awaiting a head (from its opening, or from the first
/// byte after a response), reading a body (from the head to the end of the
/// request), being served (the server's turn: no deadline), or idle (kept
/// alive after its last response). An upgraded connection is a WebSocket
/// and has no deadline here.
struct RequestDeadlines {
    enum Phase: Equatable, Sendable {
        case awaitingHead, readingBody, serving, idle, upgraded
    }

    enum Action: Equatable {
        /// Nothing changes for the timer.
        case none
        /// Make sure a check runs at this time (a later check is moved here).
        case check(at: NIODeadline)
        /// Close the connection: it missed its deadline in this phase.
        case close(Phase)
    }

    let timeouts: ConnectionTimeouts
    private(set) var phase: Phase = .awaitingHead
    private(set) var deadline: NIODeadline?
    /// Requests whose head has arrived and whose response has not ended.
    private var unanswered = 0

    init(timeouts: ConnectionTimeouts) {
        self.timeouts = timeouts
    }

    mutating func opened(now: NIODeadline) -> Action {
        enter(.awaitingHead, until: now + timeouts.requestHead)
    }

    /// Bytes arrived: on an idle connection, the next request has begun and
    /// its head must arrive in time; otherwise they change nothing (a head or
    /// body trickled byte by byte does not buy more time).
    mutating func bytesArrived(now: NIODeadline) -> Action {
        guard phase == .idle else { return .none }
        return enter(.awaitingHead, until: now + timeouts.requestHead)
    }

    mutating func headArrived(now: NIODeadline) -> Action {
        guard phase != .upgraded else { return .none }
        unanswered += 1
        return enter(.readingBody, until: now + timeouts.requestBody)
    }

    mutating func requestEnded(now: NIODeadline) -> Action {
        guard phase == .readingBody else { return .none }
        // Answered before its body was read (an early error): idle already.
        if unanswered == 0 { return enter(.idle, until: now + timeouts.idle) }
        return enter(.serving, until: nil)
    }

    mutating func responseEnded(now: NIODeadline) -> Action {
        guard phase != .upgraded else { return .none }
        unanswered = max(0, unanswered - 1)
        // A pipelined request being read keeps its own deadline.
        guard phase == .serving, unanswered == 0 else { return .none }
        return enter(.idle, until: now + timeouts.idle)
    }

    mutating func upgraded() -> Action {
        enter(.upgraded, until: nil)
    }

    /// The timer fired: close when the deadline has passed, else check again then.
    mutating func timerFired(now: NIODeadline) -> Action {
        guard let deadline else { return .none }
        return now >= deadline ? .close(phase) : .check(at: deadline)
    }

    private mutating func enter(_ phase: Phase, until deadline: NIODeadline?) -> Action {
        self.phase = phase
        self.deadline = deadline
        return deadline.map { .check(at: $0) } ?? .none
    }
}
