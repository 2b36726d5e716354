import Foundation
import GizmoLua
@testable import GizmoServer
import GizmoTestFixtures
import Hummingbird
import HummingbirdTesting
import HummingbirdWSClient
import HummingbirdWSTesting
import Logging
import Testing

/// The routes, and a live session over a real WebSocket.
@Suite(.serialized)
struct GizmoApplicationTests {
    /// The browser tests' click counter: "Click me" turns "waiting" into "clicked N".
    static let counter = Fixture.gizmo("click_counter.lua")

    /// - Parameter grace: 0.2 s for tests that wait for a session to end; a
    ///   test whose page leaves and comes back gives it far longer, since a
    ///   loaded machine may take more than that between the two.
    func makeApp(_ source: String = counter, grace: Double = 0.2,
                 directory: URL = FileManager.default.temporaryDirectory) async throws -> (some ApplicationProtocol, SessionRegistry, Session) {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let registry = SessionRegistry(configuration: .init(grace: grace, firstPageTimeout: nil), logger: logger)
        let script = Script(displayPath: "counter.lua", directory: directory, source: source)
        let (session, _) = try await registry.start(script)
        let app = GizmoApplication.build(registry: registry, host: "127.0.0.1", port: 0, logger: logger)
        return (app, registry, session)
    }

    @Test func childPageIsServedForALiveSessionOnly() async throws {
        let (app, _, session) = try await makeApp()
        try await app.test(.router) { client in
            try await client.execute(uri: "/gizmo/http/\(session.id)/index.html", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                let body = String(buffer: response.body)
                #expect(body.contains("<title>counter</title>"))
                #expect(body.contains("gz-root"))
                #expect(!body.contains("/*GIZMO_JS*/"))
            }
            try await client.execute(uri: "/gizmo/http/MGR_1_2/index.html", method: .get) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/gizmo/http/%3Cscript%3E/index.html", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(!String(buffer: response.body).contains("<script>"))
            }
            try await client.execute(uri: "/gizmo/http/\(session.id)", method: .get) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "\(session.id)/index.html")
            }
            try await client.execute(uri: "/ping", method: .get) { response in
                #expect(String(buffer: response.body).hasPrefix("pong"))
            }
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func aLiveSessionRendersAndAnswersClicks() async throws {
        let (app, _, session) = try await makeApp()
        try await app.test(.live) { client in
            try await client.ws("/gizmo/ws/\(session.id)") { inbound, outbound, _ in
                var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                let callback = try await Self.helloToCounter(&messages, outbound)
                try await outbound.write(.text(#"{"t":"call","cb":\#(callback),"args":[{"type":"click"}]}"#))
                let update = try await Self.commands(messages.next())
                #expect(update.first?["v"] as? String == "clicked 1")

                try await outbound.write(.text("{broken"))
                let error = try await Self.commands(messages.next())
                #expect(error.first?["op"] as? String == "error")

                try await outbound.write(.binary(ByteBuffer(string: "bytes")))
                let binary = try await Self.commands(messages.next())
                #expect((binary.first?["msg"] as? String)?.contains("binary") == true)

                try await outbound.write(.text(#"{"t":"call","cb":\#(callback),"args":[{}]}"#))
                #expect(try await Self.commands(messages.next()).first?["v"] as? String == "clicked 2")
            }
        }
    }

    /// The first-page timer goes when the page comes: a waiting task would
    /// hold its memory for the whole timeout (found by the load test).
    @Test func aConnectedPageCancelsTheFirstPageTimer() async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let registry = SessionRegistry(configuration: .init(grace: 5, firstPageTimeout: 60), logger: logger)
        let script = Script(displayPath: "counter.lua", directory: FileManager.default.temporaryDirectory, source: Self.counter)
        let (session, _) = try await registry.start(script)
        #expect(session.timerPending)
        let app = GizmoApplication.build(registry: registry, host: "127.0.0.1", port: 0, logger: logger)
        try await app.test(.live) { client in
            try await client.ws("/gizmo/ws/\(session.id)") { inbound, outbound, _ in
                try await outbound.write(.text(#"{"t":"hello","v":1}"#))
                var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                _ = try await messages.next()
                #expect(!session.timerPending)
            }
        }
        session.end()
        #expect(!session.timerPending)
    }

    @Test func anEndedSessionTellsItsPageToStop() async throws {
        let (app, registry, session) = try await makeApp()
        session.end(reason: "test over")
        #expect(registry.session(session.id) == nil)
        try await app.test(.live) { client in
            try await client.ws("/gizmo/ws/\(session.id)") { inbound, _, _ in
                var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                let close = try await Self.commands(messages.next())
                #expect(close.first?["op"] as? String == "close")
                // This server does not hold it: the page may start its gizmo again.
                #expect(close.first?["again"] as? Bool == true)
            }
        }
    }

    @Test func theSessionEndsAfterItsPageLeavesForTheGrace() async throws {
        let (app, registry, session) = try await makeApp()
        try await app.test(.live) { client in
            try await client.ws("/gizmo/ws/\(session.id)") { inbound, outbound, _ in
                try await outbound.write(.text(#"{"t":"hello","v":1}"#))
                var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                _ = try await messages.next()
            }
            _ = try await eventually {
                guard registry.session(session.id) == nil else { return false }
                return await session.vm.isClosed
            }
            #expect(registry.session(session.id) == nil)
            #expect(await session.vm.isClosed)
            #expect(await session.vm.referencesLeftAtClose == 0)
        }
    }

    /// Says hello as a page does and answers the click callback of the
    /// counter's button, from the `render` that comes back.
    static func helloToCounter(
        _ messages: inout WebSocketInboundMessageStream.AsyncIterator, _ outbound: WebSocketOutboundWriter
    ) async throws -> Int {
        try await outbound.write(.text(#"{"t":"hello","v":1}"#))
        let render = try await commands(messages.next())
        #expect(render.first?["op"] as? String == "render")
        let node = try #require(render.first?["node"] as? [String: Any])
        let button = try #require((node["kids"] as? [[String: Any]])?.first)
        return try #require((button["on"] as? [String: Int])?["click"])
    }

    /// The commands of a frame, without its header (`welcome`, `frame`).
    static func commands(_ message: WebSocketMessage?) throws -> [[String: Any]] {
        guard case .text(let text) = message else {
            Issue.record("expected a text message, got \(String(describing: message))")
            return []
        }
        let commands = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] ?? []
        guard let op = commands.first?["op"] as? String, op == "welcome" || op == "frame" else { return commands }
        return Array(commands.dropFirst())
    }
}
