import NIOCore
import NIOPosix
import Synchronization

/// A TCP connection that sends exactly the bytes it is given and keeps what
/// comes back: an attacker's client, for tests of what the server puts up
/// with. Loopback only.
final class RawConnection: Sendable {
    let channel: any Channel
    private let received: Received

    private final class Received: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let bytes = Mutex<[UInt8]>([])
        let arrivals: AsyncStream<Void>.Continuation
        let stream: AsyncStream<Void>

        init() { (stream, arrivals) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1)) }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            bytes.withLock { $0 += buffer.readableBytesView }
            arrivals.yield()
        }

        func channelInactive(context: ChannelHandlerContext) {
            arrivals.finish()
            context.fireChannelInactive()
        }
    }

    private init(channel: any Channel, received: Received) {
        self.channel = channel
        self.received = received
    }

    static func connect(port: Int) async throws -> RawConnection {
        let received = Received()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(received) }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        return RawConnection(channel: channel, received: received)
    }

    func send(_ text: String) async throws {
        try await send(Array(text.utf8))
    }

    func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    var bytes: [UInt8] { received.bytes.withLock { $0 } }
    var text: String { String(decoding: bytes, as: UTF8.self) }
    var isOpen: Bool { channel.isActive }

    /// Waits until what came back satisfies `condition` (true), or the
    /// connection closed first (false).
    func receive(until condition: ([UInt8]) -> Bool) async -> Bool {
        if condition(bytes) { return true }
        for await _ in received.stream {
            if condition(bytes) { return true }
        }
        return condition(bytes)
    }

    /// Returns once the server has closed the connection; cancelled (a
    /// deadline passed), closes it from this end so the wait ends.
    func closed() async throws {
        let channel = channel
        try await withTaskCancellationHandler {
            try await channel.closeFuture.get()
        } onCancel: {
            channel.close(promise: nil)
        }
    }

    func close() async {
        try? await channel.close()
    }
}
