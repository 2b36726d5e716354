import GizmoLua
import HummingbirdWebSocket
import Logging
import NIOCore

/// One WebSocket between a child page and its session: frames from the
/// session's outbox go straight into the channel (``PageSink``), messages
/// from the page go to the VM.
struct PageConnection {
    let session: Session
    let channel: any Channel
    let logger: Logger

    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        let (finished, finish) = AsyncStream.makeStream(of: Void.self)
        let sink = PageSink(channel: channel, finished: finish)
        let connection = session.connect(sink)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in finished {}
                // Finished: the session ended, or dropped this page. (Cancelled:
                // the page's socket failed, and the library closes it.)
                if Task.isCancelled { return }
                try? await outbound.close(.normalClosure, reason: nil)
            }
            var failure: (any Error)?
            do {
                // Read on the session's queue: a message wakes the thread that runs its turn.
                try await withTaskExecutorPreference(session.executor) {
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
                logger.info("page connection closed: \(LogText.escaped(String(describing: error)))")
                failure = error
                group.cancelAll()
            }
            await session.disconnect(connection)
            finish.finish()
            try await group.waitForAll()
            // The library closes with the code the error calls for (1007 for a
            // text frame that is not UTF-8) when the handler lets it through.
            if let failure { throw failure }
        }
    }
}
