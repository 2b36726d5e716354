import Synchronization

/// The port the server listens on, known once it is bound (`--port 0` lets
/// the system pick): the token cookie's name holds it.
final class ListeningPort: Sendable {
    private let port: Mutex<Int>

    init(_ port: Int) {
        self.port = Mutex(port)
    }

    var value: Int { port.withLock { $0 } }

    func bound(to port: Int) {
        self.port.withLock { $0 = port }
    }
}
