import GizmoLua
import GizmoStore
import HummingbirdWebSocket
import Logging
import NIOCore

/// One WebSocket between a child page and its session: frames from the
/// session's outbox go straight into the channel (``PageSink``), messages
/// from the page go to the VM, read on the channel's event loop.
struct PageConnection {
    let session: Session
    let channel: any Channel
    let logger: Logger

    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        // The session ended, or dropped this page: a task that starts the
        // closing handshake, made only then. (A task waiting all along for
        // that moment held some 2 KiB in every idle session.)
        let sink = PageSink(channel: channel) {
            Task { try? await outbound.close(.normalClosure, reason: nil) }
        }
        let connection = session.connect(sink)
        var failure: (any Error)?
        do {
            // Read on the connection's event loop, where a short turn runs
            // too (``Session/receive(_:from:)``): a message wakes no other thread.
            try await withTaskExecutorPreference(EventLoopTaskExecutor(channel.eventLoop)) {
                for try await message in inbound.messages(maxSize: GizmoApplication.maxFrameBytes) {
                    switch message {
                    case .text(let text):
                        await session.receive(text, from: connection)
                    case .binary(let bytes):
                        logger.warning("a binary message of \(bytes.readableBytes) bytes from the page was dropped")
                        sink.send(GizmoVM.frame(error: "the page sent a binary message (\(bytes.readableBytes) bytes); the gizmo protocol uses text only, so it was dropped"))
                    }
                }
            }
        } catch {
            // The page's socket failed, and the library closes it.
            logger.info("page connection closed: \(LogText.escaped(String(describing: error)))")
            failure = error
        }
        sink.detach()
        await session.disconnect(connection)
        // The library closes with the code the error calls for (1007 for a
        // text frame that is not UTF-8) when the handler lets it through.
        if let failure { throw failure }
    }
}
