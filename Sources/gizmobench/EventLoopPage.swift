import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// A page that clicks from its connection's event loop: the click is written
/// and its update read in a channel handler (NIO's own HTTP upgrade and
/// WebSocket framing), so a round trip wakes the client once, to read the
/// update, as the loopback floor's client does. Through Hummingbird's
/// WebSocket client (``PageClient``) a round trip also wakes a task to see
/// the update and the event loop to write the click: client wake-ups that a
/// browser, whose page runs on its own thread, does not add to the server's.
enum EventLoopPage {
    /// Connects to session `id`, says hello, finds the click callback, and
    /// returns a page ready to click.
    static func open(port: Int, session id: String) async throws -> Connection {
        let rendered = MultiThreadedEventLoopGroup.singleton.any().makePromise(of: Int.self)
        let handler = ClickHandler(rendered: rendered)
        let channel = try await connect(port: port, session: id, handler: handler)
        let callback = try await rendered.futureResult.get()
        return Connection(channel: channel, handler: handler, callback: callback)
    }

    /// Opens the WebSocket of session `id` with `handler` as its page: NIO's
    /// HTTP upgrade, then WebSocket frames to and from `handler`.
    /// - Parameter source: the loopback address the socket leaves from
    ///   (``ScalePlan``); nil: the kernel's choice.
    static func connect(port: Int, session id: String, from source: String? = nil,
                        handler: some ChannelInboundHandler & Sendable) async throws -> any Channel {
        let upgrader = NIOWebSocketClientUpgrader(maxFrameSize: 4 << 20) { channel, _ in
            channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) }
        }
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        if let source { bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: source, port: 0)) }
        let channel = try await bootstrap
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(
                        withClientUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/gizmo/ws/\(id)",
                                   headers: ["Host": "127.0.0.1:\(port)", "Content-Length": "0"])
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        try await channel.writeAndFlush(HTTPClientRequestPart.end(nil)).get()
        return channel
    }

    struct Connection: Sendable {
        let channel: any Channel
        fileprivate let handler: ClickHandler
        let callback: Int

        /// Clicks (pausing `pause` after each update; nil: at once) until
        /// `window` ends; the round trips that started and ended in it, in ms.
        func clicks(pause: Duration?, window: ClosedRange<ContinuousClock.Instant>) async throws -> [Double] {
            let done = channel.eventLoop.makePromise(of: [Double].self)
            let handler = handler
            channel.eventLoop.execute {
                handler.start(pause: pause, window: window, done: done)
            }
            return try await done.futureResult.get()
        }

        func close() async {
            try? await channel.close()
        }
    }
}

/// Lives on its channel's event loop (NIO calls it there; `start` is
/// handed there with `execute`).
private final class ClickHandler: PageFrameHandler, @unchecked Sendable {
    private let rendered: EventLoopPromise<Int>
    private var renderedDone = false
    private var callback: Int?
    private var clicking: (pause: Duration?, window: ClosedRange<ContinuousClock.Instant>, done: EventLoopPromise<[Double]>)?
    private var sent: ContinuousClock.Instant?
    private var samples: [Double] = []

    init(rendered: EventLoopPromise<Int>) {
        self.rendered = rendered
    }

    func start(pause: Duration?, window: ClosedRange<ContinuousClock.Instant>, done: EventLoopPromise<[Double]>) {
        clicking = (pause, window, done)
        samples = []
        // Spread the sessions over the pause, as PageClient's do.
        next(after: pause.map { $0 * Double.random(in: 0..<1) } ?? .zero)
    }

    override func received(_ text: String) {
        guard callback != nil else {
            renderedDone = true
            do {
                let callback = try PageClient.clickCallback(inRender: text)
                self.callback = callback
                rendered.succeed(callback)
            } catch {
                rendered.fail(error)
            }
            return
        }
        guard let start = sent, let clicking else { return }
        let end = ContinuousClock.now
        sent = nil
        if start >= clicking.window.lowerBound && end <= clicking.window.upperBound {
            samples.append((end - start).milliseconds)
        }
        if end > clicking.window.upperBound {
            self.clicking = nil
            clicking.done.succeed(samples)
        } else {
            next(after: clicking.pause ?? .zero)
        }
    }

    private func next(after pause: Duration) {
        guard let context, let callback else { return }
        let click = #"{"t":"call","cb":\#(callback),"args":[{"type":"click"}]}"#
        if pause == .zero {
            sent = ContinuousClock.now
            send(click)
            return
        }
        let nanoseconds = Int64(pause.milliseconds * 1e6)
        context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(nanoseconds)) { [self] in
            sent = ContinuousClock.now
            send(click)
        }
    }

    override func failed(_ error: any Error) {
        if !renderedDone {
            renderedDone = true
            rendered.fail(error)
        }
        if let clicking {
            self.clicking = nil
            clicking.done.fail(error)
        }
    }
}
