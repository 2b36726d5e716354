import Foundation
import GizmoLua
@testable import GizmoServer
import GizmoTestFixtures
import Hummingbird
import HummingbirdWSClient
import NIOCore
import NIOWebSocket
import Testing

/// What the page's WebSocket refuses before the session sees it.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct PageSocketChecksTests {
    /// A text frame whose bytes are not UTF-8 used to reach the session with
    /// replacement characters; now the socket is closed before the session
    /// sees it, and the session goes on for the page that reconnects.
    @Test func aTextFrameThatIsNotUTF8ClosesThePageAndNeverReachesTheSession() async throws {
        try await ConnectionTimeoutsTests.withServer(timeouts: .standard) { port, registry, session in
            let url = "ws://127.0.0.1:\(port)/gizmo/ws/\(session.id)"
            let close = try await ConnectProxyTests.within {
                try await WebSocketClient.connect(url: url, logger: ConnectProxyTests.logger) { inbound, outbound, _ in
                    var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                    let callback = try await GizmoApplicationTests.helloToCounter(&messages, outbound)
                    try await outbound.write(.text(#"{"t":"call","cb":\#(callback),"args":[{"type":"click"}]}"#))
                    #expect(try await GizmoApplicationTests.commands(messages.next()).first?["v"] as? String == "clicked 1")
                    // {"t":"call","cb":N,"args":[{"x":"<0xC0 0xAE>"}]}: an overlong ".", not UTF-8.
                    var frame = ByteBuffer(string: #"{"t":"call","cb":\#(callback),"args":[{"x":""#)
                    frame.writeBytes([0xC0, 0xAE])
                    frame.writeString(#""}]}"#)
                    try await outbound.write(.custom(WebSocketFrame(fin: true, opcode: .text, data: frame)))
                    while try await messages.next() != nil {}
                }
            }
            // swift-websocket closes with 1007; PageConnection lets its error through.
            #expect(close?.closeCode == .dataInconsistentWithMessage)
            #expect(registry.session(session.id) != nil)
            _ = try await ConnectProxyTests.within {
                try await WebSocketClient.connect(url: url, logger: ConnectProxyTests.logger) { inbound, outbound, _ in
                    var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                    let callback = try await GizmoApplicationTests.helloToCounter(&messages, outbound)
                    try await outbound.write(.text(#"{"t":"call","cb":\#(callback),"args":[{"type":"click"}]}"#))
                    // Not 3: the refused frame's call never reached the session.
                    #expect(try await GizmoApplicationTests.commands(messages.next()).first?["v"] as? String == "clicked 2")
                }
            }
        }
    }
}
