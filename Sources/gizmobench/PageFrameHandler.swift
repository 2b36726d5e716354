import NIOCore
import NIOWebSocket

/// The WebSocket side of a page that lives on its connection's event loop
/// (``EventLoopPage``, ``NumberPage``): says hello once connected, answers
/// pings, and hands on each whole text frame and the end of the socket to
/// the subclass. NIO calls it on that loop; so must everyone else.
class PageFrameHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private(set) var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        send(#"{"t":"hello","v":1}"#)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text where frame.fin:
            received(String(buffer: frame.unmaskedData))
        case .ping:
            context.writeAndFlush(wrapOutboundOut(.fromPage(.pong, frame.unmaskedData)), promise: nil)
        case .connectionClose:
            failed(BenchError("the server closed the WebSocket"))
            context.close(promise: nil)
        default:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failed(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failed(BenchError("the WebSocket closed"))
    }

    /// Sends a text frame; returns when, taken just before the write.
    @discardableResult
    func send(_ text: String) -> ContinuousClock.Instant {
        let now = ContinuousClock.now
        if let context {
            context.writeAndFlush(wrapOutboundOut(.fromPage(.text, context.channel.allocator.buffer(string: text))), promise: nil)
        }
        return now
    }

    /// A text frame from the server (a JSON array of commands).
    func received(_ text: String) {}

    /// The socket failed or ended; called again for each later sign of it.
    func failed(_ error: any Error) {}
}

extension WebSocketFrame {
    /// A frame as a page sends it: whole, and masked, as frames from a
    /// client must be (RFC 6455, 5.3).
    static func fromPage(_ opcode: WebSocketOpcode, _ data: ByteBuffer) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: opcode, maskKey: .random(), data: data)
    }
}
