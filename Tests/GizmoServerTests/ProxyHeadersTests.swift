@testable import GizmoServer
import HTTPTypes
import NIOHTTP1
import Testing

/// Which headers the proxy passes each way.
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
}
