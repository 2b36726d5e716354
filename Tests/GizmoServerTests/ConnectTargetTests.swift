@testable import GizmoServer
import Testing

/// Which `/connect/` addresses are proxied, and where to.
struct ConnectTargetTests {
    @Test func aGizmoAddressIsParsedAsSent() throws {
        let target = try ConnectTarget.parse(path: "/connect/8675/gizmo/http/MGR_1_2/a%20b.png", query: "v=1")
        #expect(target.port == 8675)
        #expect(target.channel == .http)
        #expect(target.httpURL == "http://127.0.0.1:8675/gizmo/http/MGR_1_2/a%20b.png?v=1")
        let socket = try ConnectTarget.parse(path: "/connect/1/gizmo/ws/MGR_1_2", query: nil)
        #expect(socket.webSocketURL == "ws://127.0.0.1:1/gizmo/ws/MGR_1_2")
    }

    @Test(arguments: [
        ("/connect/abc/gizmo/http/x", ConnectTarget.Refusal.badPort("abc")),
        ("/connect/0/gizmo/http/x", .badPort("0")), ("/connect/65536/gizmo/http/x", .badPort("65536")),
        ("/connect/+80/gizmo/http/x", .badPort("+80")), ("/connect/123456/gizmo/http/x", .badPort("123456")),
        ("/connect//gizmo/http/x", .badPort("")),
        ("/connect/123/other/x", .badPath), ("/connect/123/gizmo/../x", .badPath),
        ("/connect/123/gizmo/http/../../x", .badPath), ("/connect/123/gizmo/http/.%2E/x", .badPath),
        ("/connect/123/gizmo/http/a%2fb", .badPath), ("/connect/123/gizmo/http/a%5Cb", .badPath),
        ("/connect/123/gizmo/http/", .badPath), ("/connect/123/gizmo/http", .badPath),
        ("/connect/123/ping", .badPath), ("/connect/123", .badPath), ("/other/123/gizmo/http/x", .notConnect),
    ])
    func otherAddressesAreRefused(path: String, refusal: ConnectTarget.Refusal) {
        #expect(throws: refusal) { try ConnectTarget.parse(path: path, query: nil) }
    }
}
