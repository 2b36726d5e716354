import Foundation
import GizmoLua
@testable import GizmoServer
import Hummingbird
import Logging
import NIOCore
import Synchronization
import Testing

/// Hostile `/connect/` addresses, sent byte for byte (a URL library would
/// normalize them first), GET and POST: whatever the form, the loopback
/// server behind the proxy only ever receives a canonical `/gizmo/...` path,
/// and the log gets no raw control characters.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct ConnectFormsTests {
    /// Paths after `/connect/<port>`: the hole (a segment that is not UTF-8
    /// made the forwarded path `/`, query kept), dot segments in every
    /// encoding, overlong forms, NUL, separators, and `;`, `?`, `#` tricks.
    static let hostile = ConnectTargetTests.hostileSegments.flatMap { ["/gizmo/http/\($0)?x=1", "/gizmo/ws/MGR_1_2/\($0)"] } + [
        "/gizmo/http/%FF", "/gizmo/http/MGR_1_2/%FF/../../admin?token=1",
        "/gizmo/http/a;/../../admin", "/gizmo/http/a;%2F..%2F..%2Fadmin", "/gizmo/http/..;/admin",
        "/gizmo/http/a%3F/../../admin", "/gizmo/http/x#/../../admin", "/gizmo/http/x%23/../../admin",
        "/gizmo/http/%2e%2e/%2e%2e/admin", "/gizmo/http/%2E%2e/admin", "/gizmo/ws/..%2f..%2fadmin",
        "/gizmo/http/%252e%252e/admin", "/gizmo/http/MGR%5F1/%2E%2E%5C%2E%2E", "/gizmo/http/%C0%AE%C0%AE/admin",
        "/gizmo/http/%E0%80%AE%E0%80%AE/admin", "/gizmo/http/%00/admin", "/gizmo/http/a%00.png",
        "/gizmo/http/x?/../../admin", "/gizmo/http/x?q=%FF#frag", "/gizmo//admin", "/gizmo/http//admin",
        "/gizmo/HTTP/x", "/Gizmo/http/x", "/gizmo/%68ttp/x", "/%67izmo/http/x", "/gizmo/http", "/", "",
        "/../admin", "/gizmo/../admin", "/gizmo/http/../../admin", "/gizmo/http/%2e%2e%2f%2e%2e%2fadmin",
    ]

    /// Whether a target path (no query) is one `/gizmo/` path segments that each decode once to a plain name.
    static func isCanonicalGizmoPath(_ target: String) -> Bool {
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        guard segments.count >= 4, segments[0] == "", segments[1] == "gizmo", ["http", "ws"].contains(segments[2]) else {
            return false
        }
        return segments.dropFirst(3).allSatisfy { segment in
            ConnectTarget.decodedSegment(segment).map { ConnectTarget.encoded($0) == segment } ?? false
        }
    }

    @Test func aServerBehindTheProxyOnlyEverReceivesGizmoPaths() async throws {
        let received = Lines()
        try await ConnectProxyTests.serving({ running in
            Application(
                responder: CallbackResponder<BasicRequestContext> { request, _ in
                    received.append(request.head.path ?? "")
                    return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "reached")))
                },
                configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: { await running($0.localAddress?.port ?? 0) },
                logger: ConnectProxyTests.logger
            )
        }) { target in
            let proxy = ConnectProxy(logger: ConnectProxyTests.logger)
            let registry = SessionRegistry(configuration: .init(grace: 1, firstPageTimeout: nil), logger: ConnectProxyTests.logger)
            try await ConnectProxyTests.serving({
                GizmoApplication.build(registry: registry, host: "127.0.0.1", port: 0, logger: ConnectProxyTests.logger,
                                       connectProxy: proxy, onServerRunning: $0)
            }) { port in
                var statuses: [String: String] = [:]
                for form in Self.hostile + ["/gizmo/http/ok%20file.js?v=1", "/gizmo/http/MGR_1_2/index.html"] {
                    for method in ["GET", "POST"] {
                        let path = "/connect/\(target)\(form)"
                        let status = try await Self.send(method, path, to: port)
                        statuses["\(method) \(form)"] = status
                        // 200 from the server behind, 400 from the proxy, or closed by the HTTP parser.
                        #expect(["200", "400", "closed"].contains(status), "\(method) \(path): \(status)")
                    }
                }
                #expect(statuses["GET /gizmo/http/ok%20file.js?v=1"] == "200", "a plain address is passed on")
                #expect(statuses["POST /gizmo/http/%FF"] == "400")
            }
            try await proxy.shutdown()
        }
        let paths = received.all
        #expect(paths.contains("/gizmo/http/ok%20file.js?v=1"))
        #expect(paths.contains("/gizmo/http/MGR_1_2/index.html"))
        for path in paths {
            #expect(Self.isCanonicalGizmoPath(path), "the server behind received \(path)")
        }
    }

    /// The status line's code for one request sent byte for byte.
    static func send(_ method: String, _ path: String, to port: Int) async throws -> String {
        let connection = try await RawConnection.connect(port: port)
        defer { Task { await connection.close() } }
        let body = method == "POST" ? "{}" : ""
        try await connection.send("\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)")
        let answered = try await ConnectProxyTests.within { await connection.receive { String(decoding: $0, as: UTF8.self).contains("\r\n\r\n") } }
        guard answered else { return "closed" }
        let statusLine = connection.text.prefix { $0 != "\r" }
        return statusLine.split(separator: " ").dropFirst().first.map(String.init) ?? "none: \(connection.text.prefix(40))"
    }

    @Test func aRefusedPathReachesTheLogEscaped() async throws {
        let lines = Lines()
        var logger = Logger(label: "test") { _ in CapturingLogHandler(lines: lines) }
        logger.logLevel = .info
        let proxy = ConnectProxy(logger: logger)
        let registry = SessionRegistry(configuration: .init(grace: 1, firstPageTimeout: nil), logger: logger)
        try await ConnectProxyTests.serving({
            GizmoApplication.build(registry: registry, host: "127.0.0.1", port: 0, logger: logger, connectProxy: proxy, onServerRunning: $0)
        }) { port in
            let status = try await Self.send("GET", "/connect/80/gizmo/http/a%0D%0A2026-01-01%20CRITICAL%20forged%1B%5B2J", to: port)
            #expect(status == "400")
        }
        try await proxy.shutdown()
        let logged = try #require(lines.all.first { $0.contains("/connect/: refused") })
        #expect(logged.contains(#"a\r\n2026-01-01 CRITICAL forged\u{1B}[2J"#))
        #expect(!logged.unicodeScalars.contains { $0.value < 0x20 })
    }
}

/// Lines kept from several threads.
final class Lines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

/// Keeps every message logged, for tests of what reaches the log.
struct CapturingLogHandler: LogHandler {
    let lines: Lines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?,
             source: String, file: String, function: String, line: UInt) {
        lines.append("\(level): \(message)")
    }
}
