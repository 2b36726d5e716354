/// The life of one session, as a plain state machine: the ``Session`` performs
/// the actions it returns, and tests drive it without sockets or clocks.
///
/// A session waits for its first page, lives while one or more pages are
/// connected (a laptop and a phone may show the same session), and when the
/// last page goes away waits a grace period (a reload comes back within it)
/// before it ends.
struct SessionLifecycle: Sendable {
    enum State: Equatable, Sendable {
        case awaitingPage(timer: Int?)
        case live(connections: Set<Int>)
        case gone(timer: Int)
        case ended
    }

    enum Action: Equatable, Sendable {
        case none
        /// Start a timer; when it fires, call ``timerFired(_:)`` with its token.
        case startTimer(token: Int, seconds: Double)
        /// End the session.
        case end
    }

    /// Seconds a page may be gone before the session ends.
    let grace: Double
    /// Seconds to wait for the first page; nil waits as long as it takes.
    let firstPageTimeout: Double?

    private(set) var state: State = .awaitingPage(timer: nil)

    var isEnded: Bool { state == .ended }
    /// No page has connected yet (`gizmolua run` says so after a while).
    var isAwaitingFirstPage: Bool {
        if case .awaitingPage = state { return true }
        return false
    }
    private var lastToken = 0

    init(grace: Double, firstPageTimeout: Double?) {
        self.grace = grace
        self.firstPageTimeout = firstPageTimeout
    }

    /// The session has started.
    mutating func started() -> Action {
        guard case .awaitingPage = state, let timeout = firstPageTimeout else { return .none }
        let token = newToken()
        state = .awaitingPage(timer: token)
        return .startTimer(token: token, seconds: timeout)
    }

    mutating func pageConnected(_ connection: Int) -> Action {
        switch state {
        case .ended:
            return .end
        case .live(var connections):
            connections.insert(connection)
            state = .live(connections: connections)
            return .none
        case .awaitingPage, .gone:
            state = .live(connections: [connection])
            return .none
        }
    }

    mutating func pageDisconnected(_ connection: Int) -> Action {
        guard case .live(var connections) = state, connections.remove(connection) != nil else { return .none }
        guard connections.isEmpty else {
            state = .live(connections: connections)
            return .none
        }
        let token = newToken()
        state = .gone(timer: token)
        return .startTimer(token: token, seconds: grace)
    }

    mutating func timerFired(_ token: Int) -> Action {
        switch state {
        case .awaitingPage(timer: token?), .gone(timer: token):
            state = .ended
            return .end
        default:
            return .none
        }
    }

    /// Ends from outside (the script ran out of memory, the server stops).
    mutating func end() -> Action {
        if state == .ended { return .none }
        state = .ended
        return .end
    }

    private mutating func newToken() -> Int {
        lastToken += 1
        return lastToken
    }
}
