import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1

/// A server child channel with ``ConnectionTimeouts``: `inner`'s pipeline,
/// plus a ``RequestDeadlineHandler`` in front of its request decoder.
struct TimedChildChannel<Inner: ServerChildChannel>: ServerChildChannel {
    typealias Value = Inner.Value

    let inner: Inner
    let timeouts: ConnectionTimeouts

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let timeouts = timeouts
        return inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try pipeline.addHandler(RequestDeadlineHandler(timeouts: timeouts, logger: logger), position: .before(decoder))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// Hummingbird's HTTP/1 server with WebSocket upgrade, with timeouts
    /// for what a connection must send (``ConnectionTimeouts``).
    static func http1WebSocketUpgrade(
        webSocketRouter: Router<PageRequestContext>,
        webSocket: WebSocketServerConfiguration,
        timeouts: ConnectionTimeouts
    ) -> HTTPServerBuilder {
        let webSocketResponder = webSocketRouter.buildResponder()
        let configuration = HTTP1WebSocketUpgradeChannel.Configuration(
            http1: .init(additionalChannelHandlers: [RequestPartsWatch()]),
            ws: webSocket
        )
        return HTTPServerBuilder { responder in
            TimedChildChannel(
                inner: HTTP1WebSocketUpgradeChannel(responder: responder, webSocketResponder: webSocketResponder,
                                                    configuration: configuration),
                timeouts: timeouts
            )
        }
    }
}
