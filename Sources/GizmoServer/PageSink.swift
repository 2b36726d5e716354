import NIOCore
import NIOWebSocket

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
struct PageSink: Sendable {
    private let channel: any Channel
    private let finished: AsyncStream<Void>.Continuation

    /// - Parameter finished: finished by ``finish()``, when the connection
    ///   should close its WebSocket.
    init(channel: any Channel, finished: AsyncStream<Void>.Continuation) {
        self.channel = channel
        self.finished = finished
    }

    /// Sends one text frame (a JSON array of commands).
    func send(_ frame: String) {
        let data = channel.allocator.buffer(string: frame)
        channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .text, data: data), promise: nil)
    }

    /// No more frames: the connection closes its WebSocket.
    func finish() {
        finished.finish()
    }
}
