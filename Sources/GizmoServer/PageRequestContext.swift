import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The request context of the WebSocket routes: Hummingbird's, plus the
/// connection's channel, so a page's frames can be written into it directly
/// (``PageSink``).
struct PageRequestContext: RequestContext, WebSocketRequestContext {
    var coreContext: CoreRequestContextStorage
    let webSocket: WebSocketHandlerReference<Self>
    let channel: any Channel

    init(source: Source) {
        coreContext = .init(source: source)
        webSocket = .init()
        channel = source.channel
    }
}
