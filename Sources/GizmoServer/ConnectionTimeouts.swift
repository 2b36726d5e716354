import NIOCore

/// How long a connection may keep the server waiting before it is closed.
///
/// Without these, a client that connects and sends nothing, or trickles a
/// request head a byte a second (slowloris), holds a descriptor for good,
/// and a few thousand of them exhaust the server's. Upgraded WebSockets are
/// not timed by the first three: a page's socket is idle most of its life,
/// and the ping keeps watch over it instead.
public struct ConnectionTimeouts: Sendable {
    /// From the connection's opening, or from the first byte of a later
    /// request, until its whole head has arrived.
    public var requestHead: TimeAmount
    /// From the end of a response until the first byte of the next request
    /// (a kept-alive connection's rest).
    public var idle: TimeAmount
    /// From a request's head until the end of its body.
    public var requestBody: TimeAmount
    /// The server pings every page this often, and closes a page that has
    /// not answered the previous ping when the next one is due. Reverse
    /// proxies close a socket that has been idle for their read timeout
    /// (nginx: 60 s by default); the ping also keeps an idle page's socket
    /// alive through them.
    public var pagePing: Duration

    public init(requestHead: TimeAmount = .seconds(10), idle: TimeAmount = .seconds(60),
                requestBody: TimeAmount = .seconds(60), pagePing: Duration = .seconds(30)) {
        self.requestHead = requestHead
        self.idle = idle
        self.requestBody = requestBody
        self.pagePing = pagePing
    }

    public static let standard = ConnectionTimeouts()
}
