import GizmoLua
import HummingbirdWebSocket
import HummingbirdWSClient
import Logging
import NIOWebSocket

/// One browser WebSocket joined to one gizmo WebSocket for `/connect/`.
///
/// Text, binary and continuation frames pass as they come, both ways, so a
/// fragmented message stays fragmented and nothing is buffered whole. Pings
/// are answered on each leg by its own end. A close from the gizmo reaches
/// the browser with the gizmo's code and reason; a close from the browser
/// reaches the gizmo as 1000 (the WebSocket library does not show the
/// browser's code). A gizmo that goes without a close frame closes the
/// browser with 1001; one that refuses the WebSocket, with 1011.
struct WebSocketRelay {
    let url: String
    let port: Int
    let maxFrameSize: Int
    /// How long one leg may take to finish its close once the other has finished.
    var closeGrace: Duration = .seconds(5)
    let logger: Logger

    private enum Finished { case gizmo, browser, grace }

    func run(browserInbound: WebSocketInboundStream, browserOutbound: WebSocketOutboundWriter) async {
        let (gizmoWriters, handOver) = AsyncStream.makeStream(of: WebSocketOutboundWriter.self)
        await withTaskGroup(of: Finished.self) { group in
            group.addTask {
                let (code, reason) = await gizmoLeg(to: browserOutbound, handOver: handOver)
                try? await browserOutbound.close(code, reason: reason)
                return .gizmo
            }
            group.addTask {
                var writers = gizmoWriters.makeAsyncIterator()
                let gizmo = await writers.next()
                // Without a gizmo, the browser's frames are read and dropped
                // until it answers the close the gizmo leg sends it.
                await Self.pipe(browserInbound, to: gizmo)
                try? await gizmo?.close(.normalClosure, reason: nil)
                return .browser
            }
            // Each leg ends on its own close handshake; a peer that never
            // answers one must not hold the other leg, or the server, forever.
            var legsFinished = 0
            for await finished in group {
                switch finished {
                case .gizmo, .browser:
                    legsFinished += 1
                    if legsFinished == 2 {
                        group.cancelAll()
                    } else {
                        group.addTask { [closeGrace] in
                            try? await Task.sleep(for: closeGrace)
                            return .grace
                        }
                    }
                case .grace:
                    group.cancelAll()
                }
            }
        }
    }

    /// Connects to the gizmo, hands its writer over, and pipes its frames to
    /// the browser; answers the code and reason to close the browser with.
    private func gizmoLeg(
        to browser: WebSocketOutboundWriter,
        handOver: AsyncStream<WebSocketOutboundWriter>.Continuation
    ) async -> (WebSocketErrorCode, String?) {
        defer { handOver.finish() }
        let configuration = WebSocketClientConfiguration(maxFrameSize: maxFrameSize, autoPing: .enabled(timePeriod: .seconds(30)))
        do {
            let close = try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) { inbound, outbound, _ in
                handOver.yield(outbound)
                handOver.finish()
                await Self.pipe(inbound, to: browser)
            }
            guard let close else { return (.goingAway, "the gizmo on port \(port) went away") }
            return (close.closeCode, close.reason)
        } catch {
            logger.info("/connect/\(port): the gizmo's WebSocket failed: \(LogText.escaped("\(error)"))")
            return (.unexpectedServerError, "the gizmo on port \(port) did not accept the WebSocket")
        }
    }

    /// Writes each frame read from `inbound` to `outbound` (or drops it when
    /// there is none) until `inbound` closes or `outbound` fails.
    private static func pipe(_ inbound: WebSocketInboundStream, to outbound: WebSocketOutboundWriter?) async {
        do {
            for try await frame in inbound {
                guard let outbound else { continue }
                let opcode: WebSocketOpcode = switch frame.opcode {
                case .text: .text
                case .binary: .binary
                case .continuation: .continuation
                }
                try await outbound.write(.custom(WebSocketFrame(fin: frame.fin, opcode: opcode, data: frame.data)))
            }
        } catch {
            // The other end has closed: the caller closes this one.
        }
    }
}
