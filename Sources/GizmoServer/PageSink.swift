import NIOCore
import NIOWebSocket
import Synchronization

/// Where a page connection's frames go: straight into its channel, from
/// whichever thread made them (mostly the session's VM queue).
///
/// A frame written here costs one wake-up of the channel's event loop. Through
/// the WebSocket's async writer it also woke a task to write it, and on an
/// idle machine each wake-up is a good part of a round trip
/// (docs/performance.md). Frames keep their order: each is handed to the
/// event loop as it is made, under the outbox's lock. Hummingbird's own
/// frames (pong, close) still go through its async writer; the closing
/// handshake starts only after ``finish()``, so after the last frame.
///
/// The sink counts the bytes handed to the channel and not yet written to
/// the socket: a page that does not read lets them grow, and the outbox
/// closes it (``abort()``) before they cost the server more than a session may.
final class PageSink: Sendable {
    /// Where frames go: a WebSocket's channel, or a page in this process
    /// (the test harness's simulated page), which takes each frame at once.
    private enum Transport {
        case channel(any Channel)
        case inProcess(@Sendable (String) -> Void)
    }

    private let transport: Transport
    private let onFinish: @Sendable () -> Void
    private let finished = Atomic<Bool>(false)
    private let unsentBytes = Atomic<Int>(0)

    /// - Parameter onFinish: runs once, on the first ``finish()``, when the
    ///   connection should close its WebSocket; not after ``detach()``.
    init(channel: any Channel, onFinish: @escaping @Sendable () -> Void) {
        self.transport = .channel(channel)
        self.onFinish = onFinish
    }

    /// A page in this process: `deliver` takes each frame on the thread that made it.
    init(deliver: @escaping @Sendable (String) -> Void, onFinish: @escaping @Sendable () -> Void) {
        self.transport = .inProcess(deliver)
        self.onFinish = onFinish
    }

    /// Sends one text frame (a JSON array of commands).
    func send(_ frame: String) {
        let channel: any Channel
        switch transport {
        case .channel(let open): channel = open
        case .inProcess(let deliver): return deliver(frame)
        }
        let data = channel.allocator.buffer(string: frame)
        let size = data.readableBytes
        unsentBytes.add(size, ordering: .relaxed)
        let written = channel.eventLoop.makePromise(of: Void.self)
        written.futureResult.whenComplete { [self] _ in unsentBytes.subtract(size, ordering: .relaxed) }
        channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .text, data: data), promise: written)
    }

    /// Bytes sent here that the socket has not taken yet.
    var unsent: Int { unsentBytes.load(ordering: .relaxed) }

    /// No more frames: the connection closes its WebSocket.
    func finish() {
        if finishOnce() { onFinish() }
    }

    /// The page does not read: drop the connection at once (a close frame
    /// would wait behind what it has not read).
    func abort() {
        _ = finishOnce()
        if case .channel(let channel) = transport { channel.close(promise: nil) }
    }

    /// The connection has ended on its own: a later ``finish()`` does nothing.
    func detach() {
        _ = finishOnce()
    }

    private func finishOnce() -> Bool {
        !finished.exchange(true, ordering: .acquiringAndReleasing)
    }
}
