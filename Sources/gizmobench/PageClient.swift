import Foundation
import HummingbirdWSClient
import Logging
import Synchronization

/// What a child page does over its WebSocket, without a browser: a real
/// WebSocket client (swift-websocket) on loopback speaking the gizmo protocol.
struct PageSocket {
    private var messages: WebSocketInboundMessageStream.AsyncIterator
    private let outbound: WebSocketOutboundWriter

    init(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) {
        messages = inbound.messages(maxSize: 4 << 20).makeAsyncIterator()
        self.outbound = outbound
    }

    mutating func send(_ text: String) async throws {
        try await outbound.write(.text(text))
    }

    /// The next frame from the server (a JSON array of commands).
    mutating func receive() async throws -> String {
        switch try await messages.next() {
        case .text(let text): return text
        case .binary: throw BenchError("the server sent a binary frame")
        case nil: throw BenchError("the server closed the WebSocket")
        }
    }

    /// Sends `hello` and returns the render frame.
    mutating func hello() async throws -> String {
        try await send(#"{"t":"hello","v":1}"#)
        let frame = try await receive()
        guard frame.contains(#""op":"render""#) else { throw BenchError("expected a render, got \(frame.prefix(200))") }
        return frame
    }

    /// One click on callback `callback`, as gizmo.js sends it.
    mutating func click(_ callback: Int) async throws {
        try await send(#"{"t":"call","cb":\#(callback),"args":[{"type":"click"}]}"#)
    }
}

enum PageClient {
    /// Connects to `/gizmo/ws/<id>`, runs `body` with the socket, closes.
    static func withPage<T: Sendable>(
        port: Int, session: String,
        _ body: @escaping @Sendable (inout PageSocket) async throws -> T
    ) async throws -> T {
        try await withSocket(url: "ws://127.0.0.1:\(port)/gizmo/ws/\(session)", PageSocket.init, body)
    }

    /// Connects a WebSocket to `url`, wraps its two halves with `make` (the
    /// page's side of one protocol or the other), runs `body`, closes.
    static func withSocket<Socket, T: Sendable>(
        url: String,
        _ make: @escaping @Sendable (WebSocketInboundStream, WebSocketOutboundWriter) -> Socket,
        _ body: @escaping @Sendable (inout Socket) async throws -> T
    ) async throws -> T {
        let result = Mutex<T?>(nil)
        var configuration = WebSocketClientConfiguration()
        configuration.maxFrameSize = 4 << 20
        do {
            try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) { inbound, outbound, _ in
                var socket = make(inbound, outbound)
                let value = try await body(&socket)
                result.withLock { $0 = value }
            }
        } catch {
            // A socket reset while closing, after `body` is done, spoils no figure: an
            // H5Gizmos gizmo exits on the page's pagehide as the page closes its socket.
            guard result.withLock({ $0 != nil }) else { throw error }
        }
        guard let value = result.withLock({ $0.take() }) else {
            throw BenchError("the WebSocket \(url) closed before the measurement finished")
        }
        return value
    }

    /// The click callback of the first button in a render frame (the
    /// click counter's "Click me").
    static func clickCallback(inRender frame: String) throws -> Int {
        let commands = try JSONSerialization.jsonObject(with: Data(frame.utf8)) as? [[String: Any]]
        func search(_ node: [String: Any]) -> Int? {
            if let click = (node["on"] as? [String: Any])?["click"] as? Int { return click }
            for kid in node["kids"] as? [[String: Any]] ?? [] {
                if let found = search(kid) { return found }
            }
            return nil
        }
        // The render follows the frame's header (`welcome`).
        let render = commands?.first { $0["op"] as? String == "render" }
        guard let node = render?["node"] as? [String: Any], let callback = search(node) else {
            throw BenchError("no click callback in the render frame")
        }
        return callback
    }

    private static let logger: Logger = {
        var logger = Logger(label: "gizmobench.ws")
        logger.logLevel = .error
        return logger
    }()
}
