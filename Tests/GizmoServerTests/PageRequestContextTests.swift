@testable import GizmoServer
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOEmbedded
import Testing

/// What a page socket's request context keeps alive.
struct PageRequestContextTests {
    /// hummingbird-websocket's router leaves the upgrade's handler, with the
    /// context, in a reference the context holds: a cycle that kept every
    /// page socket's channel for the life of the server (about 6 KB each,
    /// seen as RSS that never came back after 500 pages had come and gone).
    @Test func aMatchedUpgradeLetsGoOfItsConnectionOnceTheConnectionCloses() async throws {
        let router = Router(context: PageRequestContext.self)
        router.ws("/gizmo/ws/{id}") { _, _ in .upgrade([:]) } onUpgrade: { _, _, _ in }
        let responder = router.buildResponder()
        weak var closed: EmbeddedChannel?
        do {
            let channel = EmbeddedChannel()
            closed = channel
            let context = PageRequestContext(source: .init(channel: channel, logger: Logger(label: "test")))
            let request = Request(head: HTTPRequest(method: .get, scheme: "http", authority: "127.0.0.1", path: "/gizmo/ws/MGR_1_2"),
                                  body: .init(buffer: ByteBuffer()))
            // The route matched and stored its handler, as for a real upgrade.
            #expect(try await responder.respond(to: request, context: context).status == .ok)
            try await channel.close().get()
            channel.embeddedEventLoop.run()
        }
        #expect(closed == nil, "the closed connection's channel is still held")
    }
}
