@testable import GizmoServer
import HTTPTypes
import Hummingbird
import Testing

/// Whose WebSocket upgrades (and, through /connect/, unsafe requests) are taken.
struct OriginCheckTests {
    @Test(arguments: [
        (nil, "localhost:9898", true), ("http://localhost:9898", "localhost:9898", true),
        ("http://LOCALHOST:9898", "localhost:9898", true), ("http://example.test", "example.test:80", true),
        ("https://example.test", "example.test", true), ("http://evil.example", "localhost:9898", false),
        ("http://localhost:9899", "localhost:9898", false), ("null", "localhost:9898", false),
        ("http://localhost:9898", nil, false), ("ws://127.0.0.1", "localhost:9898", true),
        ("chrome-extension://abc", "localhost:9898", false),
    ] as [(String?, String?, Bool)])
    func originMustNameThisServer(origin: String?, host: String?, same: Bool) {
        var fields = HTTPFields()
        if let origin { fields[.origin] = origin }
        let head = HTTPRequest(method: .get, scheme: "http", authority: host, path: "/", headerFields: fields)
        #expect(OriginCheck.allows(Request(head: head, body: .init(buffer: ByteBuffer()))) == same)
    }

    @Test func aProxyInFrontNamesTheBrowsersHost() {
        let fields: HTTPFields = [.origin: "https://public.example", HTTPField.Name("X-Forwarded-Host")!: "public.example"]
        let head = HTTPRequest(method: .get, scheme: "http", authority: "127.0.0.1:9898", path: "/", headerFields: fields)
        #expect(OriginCheck.allows(Request(head: head, body: .init(buffer: ByteBuffer()))))
    }

    @Test func everyOriginMustPass() {
        var fields = HTTPFields()
        fields.append(.init(name: .origin, value: "ws://127.0.0.1"))
        fields.append(.init(name: .origin, value: "http://evil.example"))
        let head = HTTPRequest(method: .get, scheme: "http", authority: "127.0.0.1:9898", path: "/", headerFields: fields)
        #expect(!OriginCheck.allows(Request(head: head, body: .init(buffer: ByteBuffer()))))
    }
}
