import AsyncHTTPClient
import Foundation
import GizmoLua
@testable import GizmoServer
import GizmoTestFixtures
import Hummingbird
import HummingbirdWSClient
import Logging
import NIOCore
import NIOPosix
import Testing

/// Connections that hold the server without asking it anything are closed:
/// a client that trickles its head (slowloris), one that stays idle after a
/// response, one that never finishes its body, thousands that never send a
/// byte, and a page that never answers pings. The server's timeouts are
/// short here (1-2 s) so the tests finish soon; every wait is for the close
/// itself, with a deadline of tens of seconds.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct ConnectionTimeoutsTests {
    static let timeouts = ConnectionTimeouts(requestHead: .seconds(2), idle: .seconds(1), requestBody: .seconds(2),
                                             pagePing: .seconds(1))

    /// A server (with the short timeouts) on an ephemeral port and one session
    /// of the click counter, for `body`.
    static func withServer(timeouts: ConnectionTimeouts = timeouts, logger: Logger = ConnectProxyTests.logger,
                           _ body: @escaping (Int, SessionRegistry, Session) async throws -> Void) async throws {
        let registry = SessionRegistry(configuration: .init(grace: 30, firstPageTimeout: nil), logger: logger)
        let script = Script(displayPath: "counter.lua", directory: FileManager.default.temporaryDirectory,
                            source: GizmoApplicationTests.counter)
        let (session, _) = try await registry.start(script)
        defer { registry.endAll(reason: "test over") }
        try await ConnectProxyTests.serving({
            GizmoApplication.build(registry: registry, host: "127.0.0.1", port: 0, logger: logger,
                                   timeouts: timeouts, onServerRunning: $0)
        }) { port in
            try await body(port, registry, session)
        }
    }

    func withServer(_ body: @escaping (Int, Session) async throws -> Void) async throws {
        try await Self.withServer { port, _, session in try await body(port, session) }
    }

    static func closedWithin(_ connection: RawConnection, seconds: Double = 30) async throws {
        try await ConnectProxyTests.within(seconds) { try await connection.closed() }
    }

    static func ping(_ port: Int) async throws -> String {
        let connection = try await RawConnection.connect(port: port)
        defer { Task { await connection.close() } }
        try await connection.send("GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        _ = try await ConnectProxyTests.within { await connection.receive { String(decoding: $0, as: UTF8.self).contains("pong") } }
        return connection.text
    }

    @Test func aHeadTrickledAByteAtATimeIsClosed() async throws {
        try await withServer { port, _ in
            let connection = try await RawConnection.connect(port: port)
            let head = Array("GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: \(String(repeating: "a", count: 100))\r\n\r\n".utf8)
            let trickle = Task {
                for byte in head {
                    guard connection.isOpen else { return }
                    try? await connection.send([byte])
                    try? await Task.sleep(for: .seconds(1))
                }
            }
            defer { trickle.cancel() }
            try await Self.closedWithin(connection)
            #expect(connection.bytes.isEmpty, "closed without an answer: the head never came whole")
        }
    }

    @Test func aConnectionThatSendsNothingIsClosed() async throws {
        try await withServer { port, _ in
            let connection = try await RawConnection.connect(port: port)
            try await Self.closedWithin(connection)
        }
    }

    @Test func anIdleKeptAliveConnectionIsClosedAfterItsResponse() async throws {
        try await withServer { port, _ in
            let connection = try await RawConnection.connect(port: port)
            try await connection.send("GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(await connection.receive { String(decoding: $0, as: UTF8.self).contains("pong gizmolua") })
            // A second request on the same connection is served: keep-alive works.
            try await connection.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(await connection.receive { String(decoding: $0, as: UTF8.self).hasSuffix("ok") })
            try await Self.closedWithin(connection)
            #expect(connection.text.hasSuffix("ok"), "closed between requests, not during one")
        }
    }

    @Test func aBodyThatNeverEndsIsClosed() async throws {
        try await withServer { port, _ in
            let connection = try await RawConnection.connect(port: port)
            try await connection.send("POST /ping HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\nabc")
            let trickle = Task {
                while connection.isOpen {
                    try? await connection.send("x")
                    try? await Task.sleep(for: .milliseconds(500))
                }
            }
            defer { trickle.cancel() }
            try await Self.closedWithin(connection)
        }
    }

    /// Closing a connection is not news: an attacker who opens thousands
    /// must not get a line in the log for each (Hummingbird logs an error
    /// when a connection it is reading a first request from is closed under it).
    @Test func closingConnectionsLeavesTheLogQuiet() async throws {
        let lines = Lines()
        var logger = Logger(label: "test") { _ in CapturingLogHandler(lines: lines) }
        logger.logLevel = .info
        try await Self.withServer(logger: logger) { port, _, _ in
            let idle = try await RawConnection.connect(port: port)
            let slow = try await RawConnection.connect(port: port)
            try await slow.send("GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: aaa")
            let kept = try await RawConnection.connect(port: port)
            try await kept.send("GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let body = try await RawConnection.connect(port: port)
            try await body.send("POST /ping HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\nabc")
            for connection in [idle, slow, kept, body] { try await Self.closedWithin(connection) }
        }
        let loud = lines.all.filter { line in
            !["trace:", "debug:"].contains { line.hasPrefix($0) } && !line.contains("Server started") && !line.contains("session ended")
        }
        #expect(loud == [])
    }

    /// 2,000 connections that never send a byte: the server still answers
    /// while they are open, closes every one of them, and answers after.
    @Test func twoThousandIdleConnectionsAreAllClosedAndTheServerStillAnswers() async throws {
        try await withServer { port, _ in
            var connections: [RawConnection] = []
            for _ in 0..<2000 { connections.append(try await RawConnection.connect(port: port)) }
            #expect(try await Self.ping(port).contains("pong gizmolua"))
            let opened = connections
            try await ConnectProxyTests.within(60) {
                for connection in opened { try await connection.closed() }
            }
            #expect(connections.allSatisfy { !$0.isOpen })
            #expect(try await Self.ping(port).contains("pong gizmolua"))
        }
    }

    /// An upgraded page socket outlives the HTTP timeouts: an idle HTTP
    /// connection opened with it is closed first, and the page still works.
    @Test func aPageSocketIsNotSubjectToTheHTTPTimeouts() async throws {
        try await withServer { port, session in
            _ = try await ConnectProxyTests.within(60) {
                try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/gizmo/ws/\(session.id)", logger: ConnectProxyTests.logger) { inbound, outbound, _ in
                    var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                    let callback = try await GizmoApplicationTests.helloToCounter(&messages, outbound)
                    let idle = try await RawConnection.connect(port: port)
                    try await idle.send("GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    try await Self.closedWithin(idle)  // past the head and the idle timeout
                    try await outbound.write(.text(#"{"t":"call","cb":\#(callback),"args":[{"type":"click"}]}"#))
                    #expect(try await GizmoApplicationTests.commands(messages.next()).first?["v"] as? String == "clicked 1")
                }
            }
        }
    }

    /// A page that never answers the server's pings is closed when the next
    /// ping is due: a client that upgrades and then reads nothing it is sent.
    @Test func aPageThatNeverAnswersPingsIsClosed() async throws {
        try await withServer { port, session in
            let connection = try await RawConnection.connect(port: port)
            try await connection.send("""
                GET /gizmo/ws/\(session.id) HTTP/1.1\r
                Host: 127.0.0.1:\(port)\r
                Upgrade: websocket\r
                Connection: Upgrade\r
                Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r
                Sec-WebSocket-Version: 13\r
                \r

                """)
            #expect(await connection.receive { String(decoding: $0, as: UTF8.self).contains("101 Switching Protocols") })
            #expect(await connection.receive { $0.contains(0x89) }, "a ping came")  // FIN + ping opcode
            try await Self.closedWithin(connection)
            #expect(connection.bytes.contains(0x88), "a close frame came before the connection closed")
        }
    }
}
