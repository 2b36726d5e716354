import Hummingbird
import HummingbirdWebSocket
import NIOCore
import Synchronization

/// The request context of the WebSocket routes: Hummingbird's, plus the
/// connection's channel, so a page's frames can be written into it directly
/// (``PageSink``).
struct PageRequestContext: RequestContext, WebSocketRequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel
    private let upgrade: UpgradeSlot

    /// Where the router leaves the upgrade's handler for the connection.
    var webSocket: WebSocketHandlerReference<Self> { upgrade.reference }

    init(source: Source) {
        coreContext = .init(source: source)
        channel = source.channel
        let upgrade = UpgradeSlot()
        self.upgrade = upgrade
        source.channel.closeFuture.whenComplete { _ in upgrade.release() }
    }
}

/// Holds a context's ``WebSocketHandlerReference`` until its connection
/// closes.
///
/// hummingbird-websocket's router stores the handler, with the context it
/// was matched in, inside the reference that the context itself holds: a
/// cycle (reference, handler's context, reference) that nothing breaks. It
/// kept every page socket's channel, buffers and logger for the life of the
/// server, about 6 KB per socket ever opened. Letting go of the reference
/// when the connection closes breaks the cycle.
final class UpgradeSlot: Sendable {
    private let held = Mutex<WebSocketHandlerReference<PageRequestContext>?>(.init())

    /// The reference while the connection is open; an empty one after.
    var reference: WebSocketHandlerReference<PageRequestContext> {
        held.withLock { $0 } ?? .init()
    }

    func release() {
        held.withLock { $0 = nil }
    }
}
