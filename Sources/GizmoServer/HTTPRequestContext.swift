import Hummingbird
import NIOCore

/// The request context of the HTTP routes: Hummingbird's, plus the address
/// of the peer, which `POST /push/` asks (loopback, or the token).
struct HTTPRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    /// The connection's peer; nil in `app.test(.router)`, which has no socket.
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
