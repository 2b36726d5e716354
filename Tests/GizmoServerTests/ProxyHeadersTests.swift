@testable import GizmoServer
import HTTPTypes
import Hummingbird
import NIOHTTP1
import Testing

/// Which headers the proxy passes each way, and whose requests it takes.
struct ProxyHeadersTests {
    @Test func hopByHopHeadersAndCredentialsStayBehind() {
        let browser: HTTPFields = [
            .connection: "keep-alive, X-Hop", HTTPField.Name("X-Hop")!: "1", .upgrade: "h2c",
            .cookie: "login=secret", .authorization: "Basic c2VjcmV0", .origin: "http://localhost:9898",
            .contentLength: "3", .accept: "text/html", HTTPField.Name("X-Custom")!: "a",
        ]
        let toGizmo = ProxyHeaders.toGizmo(browser)
        #expect(toGizmo.map { $0.name }.sorted() == ["Accept", "X-Custom"])

        var fromGizmo = HTTPHeaders()
        fromGizmo.add(name: "Content-Type", value: "image/png")
        fromGizmo.add(name: "Set-Cookie", value: "a=b")
        fromGizmo.add(name: "Transfer-Encoding", value: "chunked")
        fromGizmo.add(name: "Connection", value: "X-Private")
        fromGizmo.add(name: "X-Private", value: "1")
        fromGizmo.add(name: "Vary", value: "Accept")
        fromGizmo.add(name: "Vary", value: "Origin")
        let fields = ProxyHeaders.fromGizmo(fromGizmo)
        #expect(fields.map(\.name.canonicalName) == ["content-type", "vary", "vary"])
    }

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
        #expect(ProxyHeaders.isSameOrigin(Request(head: head, body: .init(buffer: ByteBuffer()))) == same)
    }

    @Test func twoOriginsAreNotABrowsers() {
        var fields = HTTPFields()
        fields.append(.init(name: .origin, value: "ws://127.0.0.1"))
        fields.append(.init(name: .origin, value: "http://evil.example"))
        let head = HTTPRequest(method: .get, scheme: "http", authority: "127.0.0.1:9898", path: "/", headerFields: fields)
        #expect(!ProxyHeaders.isSameOrigin(Request(head: head, body: .init(buffer: ByteBuffer()))))
    }
}
