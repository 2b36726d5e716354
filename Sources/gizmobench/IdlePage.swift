import Foundation
import NIOCore
import NIOPosix

/// A page that says hello, takes its render and then holds its socket and
/// does nothing, as a browser tab left open does: the idle session of
/// `gizmobench scale`. It lives on its connection's event loop (no task per
/// page), answers the server's pings, and on request probes its session.
enum IdlePage {
    /// Opens the WebSocket of session `id` from `source`, says hello and
    /// waits up to `timeout` for the render; past it, closes and fails.
    static func open(port: Int, session id: String, from source: String, timeout: TimeAmount) async throws -> Connection {
        let rendered = MultiThreadedEventLoopGroup.singleton.any().makePromise(of: Void.self)
        let handler = IdleHandler(rendered: rendered)
        let channel = try await EventLoopPage.connect(port: port, session: id, from: source, handler: handler)
        channel.eventLoop.scheduleTask(in: timeout) {
            handler.giveUp(BenchError("no render within \(timeout.nanoseconds / 1_000_000_000) s"))
        }
        do {
            try await rendered.futureResult.get()
        } catch {
            try? await channel.close()
            throw error
        }
        return Connection(channel: channel, handler: handler)
    }

    struct Connection: Sendable {
        let channel: any Channel
        fileprivate let handler: IdleHandler

        /// Sends a call of a callback that does not exist, which the session's
        /// VM answers with an error for this page: a round trip through the
        /// session, not only its socket. Returns it in ms.
        func probe(timeout: TimeAmount) async throws -> Double {
            let answered = channel.eventLoop.makePromise(of: Double.self)
            let handler = handler
            channel.eventLoop.execute { handler.probe(answered) }
            channel.eventLoop.scheduleTask(in: timeout) {
                answered.fail(BenchError("no answer to a probe within \(timeout.nanoseconds / 1_000_000_000) s"))
            }
            return try await answered.futureResult.get()
        }

        /// Why the socket ended, if it has (the server closed it, or it failed).
        func lost() async -> String? {
            let handler = handler
            return try? await channel.eventLoop.submit { handler.lost }.get()
        }

        func close() async {
            try? await channel.close()
        }
    }
}

/// Lives on its channel's event loop (NIO calls it there; the connection's
/// methods are handed there).
private final class IdleHandler: PageFrameHandler, @unchecked Sendable {
    /// The callback the probe calls: ids count from 1, so none has it.
    static let missingCallback = 0
    private var rendered: EventLoopPromise<Void>?
    private var probing: (promise: EventLoopPromise<Double>, sent: ContinuousClock.Instant)?
    private(set) var lost: String?

    init(rendered: EventLoopPromise<Void>) {
        self.rendered = rendered
    }

    override func received(_ text: String) {
        if let rendered {
            self.rendered = nil
            if text.contains(#""op":"render""#) {
                rendered.succeed(())
            } else {
                rendered.fail(BenchError("expected a render, got \(text.prefix(200))"))
            }
            return
        }
        // The frames of an idle hello_env are only the probes' answers.
        if let probing, text.contains("unknown callback id") {
            self.probing = nil
            probing.promise.succeed((ContinuousClock.now - probing.sent).milliseconds)
        }
    }

    func probe(_ promise: EventLoopPromise<Double>) {
        if let lost { return promise.fail(BenchError(lost)) }
        probing?.promise.fail(BenchError("probed again before the answer"))
        probing = (promise, send(#"{"t":"call","cb":\#(Self.missingCallback),"args":[]}"#))
    }

    /// The render did not come in time.
    func giveUp(_ error: any Error) {
        guard let rendered else { return }
        self.rendered = nil
        rendered.fail(error)
        context?.close(promise: nil)
    }

    override func failed(_ error: any Error) {
        if lost == nil { lost = "\(error)" }
        rendered?.fail(error)
        rendered = nil
        probing?.promise.fail(error)
        probing = nil
    }
}
