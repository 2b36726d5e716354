import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import NIOWebSocket

/// A stand-in for a gizmo behind `/connect/`: it reports what reached it,
/// streams on cue, redirects, and closes WebSockets with a chosen code.
struct EchoGizmo: Sendable {
    /// `/gizmo/http/slow` sends "first", then waits for a `release` before "second".
    let release = AsyncStream.makeStream(of: Void.self)
    /// Yields once `/gizmo/http/upload` has read its first chunk of the body.
    let firstChunk = AsyncStream.makeStream(of: Void.self)
    /// Yields when a WebSocket of `/gizmo/ws/echo` has ended.
    let socketEnded = AsyncStream.makeStream(of: Void.self)

    /// Bytes of `/gizmo/http/chunked`, sent without a Content-Length.
    static let chunkedBytes = 48 * 65536

    func build(onServerRunning: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        let router = Router()
        for method: HTTPRequest.Method in [.get, .post, .put, .delete, .head] {
            router.on("/gizmo/http/echo/**", method: method) { request, _ in try await Self.echo(request) }
        }
        router.get("/gizmo/http/redirect") { _, _ in
            Response(status: .seeOther, headers: [.location: "elsewhere/index.html"])
        }
        router.get("/gizmo/http/chunked") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: ResponseBody { writer in
                for index in 0..<(Self.chunkedBytes / 65536) {
                    try await writer.write(ByteBuffer(repeating: UInt8(index), count: 65536))
                }
                try await writer.finish(nil)
            })
        }
        let release = release.stream
        router.get("/gizmo/http/slow") { _, _ in
            Response(status: .ok, body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "first"))
                var cue = release.makeAsyncIterator()
                _ = await cue.next()
                try await writer.write(ByteBuffer(string: "second"))
                try await writer.finish(nil)
            })
        }
        let firstChunk = firstChunk.continuation
        router.post("/gizmo/http/upload") { request, _ in
            var count = 0
            for try await chunk in request.body {
                if count == 0 { firstChunk.yield() }
                count += chunk.readableBytes
            }
            return "\(count)"
        }

        let webSockets = Router(context: BasicWebSocketRequestContext.self)
        let socketEnded = socketEnded.continuation
        webSockets.ws("/gizmo/ws/echo") { inbound, outbound, _ in
            defer { socketEnded.yield() }
            for try await message in inbound.messages(maxSize: 8 << 20) {
                switch message {
                case .text(let text) where text.hasPrefix("close:"):
                    let code = Int(text.dropFirst("close:".count)) ?? 1000
                    try await outbound.close(.init(codeNumber: code), reason: "bye")
                case .text("binary"):
                    try await outbound.write(.binary(ByteBuffer(bytes: Array(0...255))))
                case .text(let text):
                    try await outbound.writeTextMessage(text)
                case .binary(let bytes):
                    try await outbound.writeBinaryMessage(bytes)
                }
            }
        }
        return Application(
            router: router,
            server: .http1WebSocketUpgrade(webSocketRouter: webSockets, configuration: .init(ws: .init(maxFrameSize: 4 << 20))),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { await onServerRunning($0.localAddress?.port ?? 0) }
        )
    }

    /// What reached the gizmo, as JSON: method, path, query, host, headers, body size.
    static func echo(_ request: Request) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: 16 << 20)
        var headers: [String: [String]] = [:]
        for field in request.headers { headers[field.name.canonicalName, default: []].append(field.value) }
        let report: [String: Any] = [
            "method": request.method.rawValue,
            "path": request.uri.path,
            "query": request.uri.query ?? NSNull(),
            "host": request.head.authority ?? NSNull(),
            "headers": headers,
            "bodyBytes": body.readableBytes,
        ]
        let json = try JSONSerialization.data(withJSONObject: report)
        return Response(
            status: .ok,
            headers: [.contentType: "application/json", .setCookie: "echo=1", .cacheControl: "no-cache",
                      HTTPField.Name("X-Echo")!: "yes"],
            body: .init(byteBuffer: ByteBuffer(bytes: json))
        )
    }
}
