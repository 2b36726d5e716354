import GizmoLua

/// A page in this process instead of behind a WebSocket: the test harness's
/// simulated page (`gizmolua test`) joins a session through these, so that
/// what it sees went through the same outbox, numbering and resumption as a
/// browser's frames.
extension Session {
    /// Connects a page whose frames `deliver` takes, on the thread that
    /// made them; `onFinish` runs when the session closes the page. Answers
    /// the connection's number. The page then says hello with ``receive(inProcess:from:)``.
    public func connect(inProcess deliver: @escaping @Sendable (String) -> Void,
                        onFinish: @escaping @Sendable () -> Void = {}) -> Int {
        connect(PageSink(deliver: deliver, onFinish: onFinish))
    }

    /// One message from the in-process page on `connection`; answers when its turn has run.
    public func receive(inProcess text: String, from connection: Int) async {
        await vm.receive(text, from: connection) // on the queue: the caller is no event loop
    }

    /// The in-process page on `connection` has gone (its socket dropped).
    public func disconnect(inProcess connection: Int) async {
        await disconnect(connection)
    }

    /// The queue the session's turns run on (the harness waits for it to drain).
    public var queue: QueueExecutor { executor }
}

extension ModuleService {
    /// The queue the service's turns run on (the harness waits for it to drain).
    public var queue: QueueExecutor { executorForHarness }
}
