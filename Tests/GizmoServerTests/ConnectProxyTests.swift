import AsyncHTTPClient
import Foundation
import GizmoLua
@testable import GizmoServer
import GizmoTestFixtures
import HTTPTypes
import Hummingbird
import HummingbirdWSClient
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import ServiceLifecycle
import Testing

/// `/connect/`: a real gizmo session and a stand-in gizmo (`EchoGizmo`)
/// behind a proxy, each on its own ephemeral port; every wait is bounded.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct ConnectProxyTests {
    static let logger: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }()

    /// The browser tests' click counter, with a 3 MiB image registered as bytes.
    static let counterWithImage = Fixture.gizmo("click_counter.lua").replacingOccurrences(
        of: "gz.Stack({b, out}):show()",
        with: #"gz.Stack({b, out, gz.Image{bytes = string.rep("0123456789abcdef", 3 * 65536)}}):show()"#
    )

    struct Setup {
        let proxy: Int
        let echo: Int
        let gizmo: Int
        let session: Session
        let signals: EchoGizmo
        let client: HTTPClient

        func url(_ port: Int, _ path: String) -> String { "http://127.0.0.1:\(proxy)/connect/\(port)\(path)" }
        var pagePath: String { "/gizmo/http/\(session.id)/index.html" }
    }

    // MARK: HTTP

    @Test func theChildPageAndAScriptsFileComeThroughWhole() async throws {
        try await withSetup { setup in
            let (page, html) = try await Self.get(setup, setup.url(setup.gizmo, setup.pagePath))
            #expect(page.status == .ok)
            #expect(page.headers["content-type"] == ["text/html; charset=utf-8"])
            #expect(String(buffer: html).contains("gz-root"))

            let image = try #require((1...9).map { "image-\($0)" }.first { setup.session.vm.resources.resource(named: $0) != nil })
            let (response, bytes) = try await Self.get(setup, setup.url(setup.gizmo, "/gizmo/http/\(setup.session.id)/\(image)?v=1"))
            #expect(response.status == .ok)
            #expect(bytes.readableBytes == 3 << 20)
            #expect(response.headers["content-length"] == ["\(3 << 20)"])
            #expect(String(buffer: bytes).hasPrefix("0123456789abcdef0123"))
        }
    }

    @Test func aRequestReachesTheGizmoAsSentLessCredentialsAndHopHeaders() async throws {
        try await withSetup { setup in
            var request = HTTPClientRequest(url: setup.url(setup.echo, "/gizmo/http/echo/some%20thing?a=1&b=%20x"))
            request.headers.add(name: "X-Custom", value: "kept")
            request.headers.add(name: "Accept-Language", value: "fr")
            request.headers.add(name: "Cookie", value: "login=secret")
            request.headers.add(name: "Authorization", value: "Bearer secret")
            let (response, body) = try await Self.execute(setup, request)
            let report = try #require(try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any])
            #expect(report["method"] as? String == "GET")
            #expect(report["path"] as? String == "/gizmo/http/echo/some%20thing")
            #expect(report["query"] as? String == "a=1&b=%20x")
            #expect(report["host"] as? String == "127.0.0.1:\(setup.echo)")
            let headers = try #require(report["headers"] as? [String: [String]])
            #expect(headers["x-custom"] == ["kept"])
            #expect(headers["accept-language"] == ["fr"])
            #expect(headers["cookie"] == nil)
            #expect(headers["authorization"] == nil)

            #expect(response.headers["x-echo"] == ["yes"])
            #expect(response.headers["cache-control"] == ["no-cache"])
            #expect(response.headers["set-cookie"].isEmpty)
        }
    }

    @Test func methodsAndBodiesPass() async throws {
        try await withSetup { setup in
            var post = HTTPClientRequest(url: setup.url(setup.echo, "/gizmo/http/echo/form"))
            post.method = .POST
            post.body = .bytes(ByteBuffer(repeating: 7, count: 2 << 20))
            let (_, posted) = try await Self.execute(setup, post)
            let report = try #require(try JSONSerialization.jsonObject(with: Data(posted.readableBytesView)) as? [String: Any])
            #expect(report["method"] as? String == "POST")
            #expect(report["bodyBytes"] as? Int == 2 << 20)

            var head = HTTPClientRequest(url: setup.url(setup.echo, "/gizmo/http/echo/x"))
            head.method = .HEAD
            let (headResponse, headBody) = try await Self.execute(setup, head)
            #expect(headResponse.status == .ok)
            #expect(headBody.readableBytes == 0)
        }
    }

    @Test func redirectsAndMissingPagesPassUnchanged() async throws {
        try await withSetup { setup in
            let (redirect, _) = try await Self.get(setup, setup.url(setup.echo, "/gizmo/http/redirect"))
            #expect(redirect.status == .seeOther)
            #expect(redirect.headers["location"] == ["elsewhere/index.html"])

            let (missing, _) = try await Self.get(setup, setup.url(setup.echo, "/gizmo/http/nothing/here"))
            #expect(missing.status == .notFound)
            let (ended, page) = try await Self.get(setup, setup.url(setup.gizmo, "/gizmo/http/MGR_1_2/index.html"))
            #expect(ended.status == .notFound)
            #expect(String(buffer: page).contains("No such gizmo"))
        }
    }

    @Test func aResponseStreamsAsTheGizmoWritesIt() async throws {
        try await withSetup { setup in
            let (client, url, release) = (setup.client, setup.url(setup.echo, "/gizmo/http/slow"), setup.signals.release.continuation)
            // "second" is held back until "first" has arrived: a proxy that
            // waited for the whole body would wait forever (here, time out).
            let (first, rest) = try await Self.within {
                let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
                var chunks = response.body.makeAsyncIterator()
                let first = try await chunks.next().map { String(buffer: $0) }
                release.yield()
                var rest = ""
                while let chunk = try await chunks.next() { rest += String(buffer: chunk) }
                return (first, rest)
            }
            #expect(first == "first")
            #expect(rest == "second")
        }
    }

    @Test func aRequestBodyStreamsAsTheBrowserSendsIt() async throws {
        try await withSetup { setup in
            let (chunks, send) = AsyncStream.makeStream(of: ByteBuffer.self)
            var request = HTTPClientRequest(url: setup.url(setup.echo, "/gizmo/http/upload"))
            request.method = .POST
            request.body = .stream(chunks, length: .unknown)
            send.yield(ByteBuffer(repeating: 1, count: 1000))
            async let response = Self.execute(setup, request)
            // The second chunk is sent only once the gizmo has read the first.
            try await Self.next(setup.signals.firstChunk.stream)
            send.yield(ByteBuffer(repeating: 2, count: 500))
            send.finish()
            let (status, body) = try await response
            #expect(status.status == .ok)
            #expect(String(buffer: body) == "1500")
        }
    }

    @Test func aChunkedResponsePassesWhole() async throws {
        try await withSetup { setup in
            let (response, bytes) = try await Self.get(setup, setup.url(setup.echo, "/gizmo/http/chunked"))
            #expect(response.status == .ok)
            #expect(bytes.readableBytes == EchoGizmo.chunkedBytes)
            #expect(bytes.getInteger(at: bytes.readerIndex + 65536 * 5, as: UInt8.self) == 5)
        }
    }

    @Test func nothingListeningIsA502ThatSaysSo() async throws {
        let port = try await Self.freePort()
        try await withSetup { setup in
            let (response, body) = try await Self.get(setup, setup.url(port, "/gizmo/http/MGR_1_2/index.html"))
            #expect(response.status == .badGateway)
            #expect(response.headers["content-type"] == ["text/html; charset=utf-8"])
            #expect(String(buffer: body).contains("Nothing listens on port \(port) on this machine"))
        }
    }

    @Test(arguments: [
        "/connect/abc/gizmo/http/x", "/connect/0/gizmo/http/x", "/connect/70000/gizmo/http/x",
        "/connect/123/other/x", "/connect/123/gizmo/../x", "/connect/123/gizmo/http/%2e%2e/x",
        "/connect/123/gizmo/http/a%2Fb", "/connect/123/ping", "/connect/%3Cb%3E/gizmo/http/x",
    ])
    func addressesOutsideGizmoPathsAre400(path: String) async throws {
        try await withSetup { setup in
            let (response, body) = try await Self.get(setup, "http://127.0.0.1:\(setup.proxy)\(path)")
            #expect(response.status == .badRequest)
            #expect(!String(buffer: body).contains("<b>"))
        }
    }

    @Test func aPostFromAnotherSiteIsRefused() async throws {
        try await withSetup { setup in
            for (origin, status) in [("http://evil.example", HTTPResponseStatus.forbidden),
                                     ("http://127.0.0.1:\(setup.proxy)", .ok)] {
                var post = HTTPClientRequest(url: setup.url(setup.echo, "/gizmo/http/echo/x"))
                post.method = .POST
                post.headers.add(name: "Origin", value: origin)
                post.body = .bytes(ByteBuffer(string: "{}"))
                let (response, body) = try await Self.execute(setup, post)
                #expect(response.status == status, "Origin \(origin)")
                if status == .ok {
                    let report = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
                    #expect((report?["headers"] as? [String: [String]])?["origin"] == nil)
                }
            }
        }
    }

    // MARK: WebSocket

    @Test func aSessionRunsThroughTheProxy() async throws {
        try await withSetup { setup in
            try await Self.webSocket(setup, port: setup.gizmo, path: "/gizmo/ws/\(setup.session.id)") { inbound, outbound in
                var messages = inbound.messages(maxSize: 4 << 20).makeAsyncIterator()
                let callback = try await GizmoApplicationTests.helloToCounter(&messages, outbound)
                try await outbound.write(.text(#"{"t":"call","cb":\#(callback),"args":[{"type":"click"}]}"#))
                let update = try await GizmoApplicationTests.commands(messages.next())
                #expect(update.first?["v"] as? String == "clicked 1")
            }
        }
    }

    @Test func textBinaryAndLargeMessagesPassBothWays() async throws {
        try await withSetup { setup in
            try await Self.webSocket(setup, port: setup.echo, path: "/gizmo/ws/echo") { inbound, outbound in
                var messages = inbound.messages(maxSize: 4 << 20).makeAsyncIterator()
                try await outbound.write(.text("hi"))
                #expect(try await messages.next() == .text("hi"))
                try await outbound.write(.text("binary"))
                #expect(try await messages.next() == .binary(ByteBuffer(bytes: Array(0...255))))
                try await outbound.write(.binary(ByteBuffer(bytes: [1, 2, 3])))
                #expect(try await messages.next() == .binary(ByteBuffer(bytes: [1, 2, 3])))
                let large = String(repeating: "x", count: 1 << 20)
                try await outbound.write(.text(large))
                #expect(try await messages.next() == .text(large))
            }
        }
    }

    @Test func theGizmosCloseCodeAndReasonReachTheBrowser() async throws {
        try await withSetup { setup in
            let close = try await Self.webSocket(setup, port: setup.echo, path: "/gizmo/ws/echo") { inbound, outbound in
                try await outbound.write(.text("close:4001"))
                for try await _ in inbound {}
            }
            #expect(close?.closeCode == WebSocketErrorCode(codeNumber: 4001))
            #expect(close?.reason == "bye")
        }
    }

    @Test func theBrowserClosingEndsTheGizmosSocket() async throws {
        try await withSetup { setup in
            try await Self.webSocket(setup, port: setup.echo, path: "/gizmo/ws/echo") { inbound, outbound in
                var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                try await outbound.write(.text("hi"))
                _ = try await messages.next()
            }
            try await Self.next(setup.signals.socketEnded.stream)
        }
    }

    @Test func aGizmoRefusingTheWebSocketClosesTheBrowsersWith1011() async throws {
        try await withSetup { setup in
            let close = try await Self.webSocket(setup, port: setup.gizmo, path: "/gizmo/ws/not-a-session") { inbound, _ in
                for try await _ in inbound {}
            }
            #expect(close?.closeCode == .unexpectedServerError)
        }
    }

    @Test func aWebSocketFromAnotherSiteIsRefused() async throws {
        try await withSetup { setup in
            await #expect(throws: (any Error).self) {
                try await Self.webSocket(setup, port: setup.echo, path: "/gizmo/ws/echo", origin: "http://evil.example") { _, _ in }
            }
            // (The test client always adds its own `Origin: ws://127.0.0.1`;
            // the same-site cases are checked in ConnectTargetTests.)
        }
    }

    @Test func aWebSocketToAPortWhereNothingListensIsNotUpgraded() async throws {
        let port = try await Self.freePort()
        try await withSetup { setup in
            await #expect(throws: (any Error).self) {
                try await Self.webSocket(setup, port: port, path: "/gizmo/ws/MGR_1_2") { _, _ in }
            }
        }
    }

    // MARK: Helpers

    /// Starts the echo gizmo, a real gizmo session and the proxy, each on an
    /// ephemeral port, runs `body`, and stops them all.
    func withSetup(_ body: @escaping (Setup) async throws -> Void) async throws {
        let registry = SessionRegistry(configuration: .init(grace: 0.2, firstPageTimeout: nil), logger: Self.logger)
        let script = Script(displayPath: "counter.lua", directory: FileManager.default.temporaryDirectory, source: Self.counterWithImage)
        let (session, _) = try await registry.start(script)
        let signals = EchoGizmo()
        let proxy = ConnectProxy(logger: Self.logger)
        let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
                                configuration: .init(redirectConfiguration: .disallow))
        let emptyRegistry = SessionRegistry(configuration: .init(grace: 0.2, firstPageTimeout: nil), logger: Self.logger)
        do {
            try await Self.serving({ signals.build(onServerRunning: $0) }) { echo in
                try await Self.serving({ GizmoApplication.build(registry: registry, host: "127.0.0.1", port: 0, logger: Self.logger, onServerRunning: $0) }) { gizmo in
                    try await Self.serving({
                        GizmoApplication.build(registry: emptyRegistry, host: "127.0.0.1", port: 0, logger: Self.logger,
                                               connectProxy: proxy, onServerRunning: $0)
                    }) { proxyPort in
                        try await body(Setup(proxy: proxyPort, echo: echo, gizmo: gizmo, session: session, signals: signals, client: client))
                    }
                }
            }
        } catch {
            try? await client.shutdown()
            try? await proxy.shutdown()
            registry.endAll(reason: "test over")
            throw error
        }
        try await client.shutdown()
        try await proxy.shutdown()
        registry.endAll(reason: "test over")
    }

    /// Runs the application `make` builds on an ephemeral port for `body`.
    static func serving<App: ApplicationProtocol>(
        _ make: (@escaping @Sendable (Int) async -> Void) -> App,
        _ body: (Int) async throws -> Void
    ) async throws {
        let (ports, found) = AsyncStream.makeStream(of: Int.self)
        let app = make { found.yield($0) }
        let services = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            let port = try #require(try await next(ports))
            do {
                try await body(port)
            } catch {
                await services.triggerGracefulShutdown()
                throw error
            }
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
        }
    }

    static func get(_ setup: Setup, _ url: String) async throws -> (HTTPClientResponse, ByteBuffer) {
        try await execute(setup, HTTPClientRequest(url: url))
    }

    static func execute(_ setup: Setup, _ request: HTTPClientRequest) async throws -> (HTTPClientResponse, ByteBuffer) {
        try await within {
            let response = try await setup.client.execute(request, timeout: .seconds(10))
            return (response, try await response.body.collect(upTo: 16 << 20))
        }
    }

    /// A WebSocket to `/connect/<port><path>` on the proxy, as a browser page opens it.
    @discardableResult
    static func webSocket(
        _ setup: Setup, port: Int, path: String, origin: String? = nil,
        _ handler: @escaping @Sendable (WebSocketInboundStream, WebSocketOutboundWriter) async throws -> Void
    ) async throws -> WebSocketCloseFrame? {
        var headers = HTTPFields()
        if let origin { headers[.origin] = origin }
        let configuration = WebSocketClientConfiguration(maxFrameSize: 4 << 20, additionalHeaders: headers)
        let url = "ws://127.0.0.1:\(setup.proxy)/connect/\(port)\(path)"
        return try await within {
            try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) { inbound, outbound, _ in
                try await handler(inbound, outbound)
            }
        }
    }

    struct TimedOut: Error {}

    /// The stream's next element, within 10 seconds.
    @discardableResult
    static func next<T: Sendable>(_ stream: AsyncStream<T>) async throws -> T? {
        try await within { await stream.first { _ in true } }
    }

    /// `operation`'s result, or `TimedOut` after `seconds`.
    static func within<T: Sendable>(_ seconds: Double = 10, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(for: .seconds(seconds))
                throw TimedOut()
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    /// A port where nothing listens (it was free a moment ago).
    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(channel.localAddress?.port)
        try await channel.close()
        return port
    }
}
