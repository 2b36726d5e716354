import GizmoLua
import HummingbirdWebSocket
import Logging

/// One WebSocket between a child page and its session: frames from the
/// session's outbox go out in order, messages from the page go to the VM.
struct PageConnection {
    let session: Session
    let logger: Logger

    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        let (frames, continuation) = AsyncStream.makeStream(of: String.self)
        let connection = session.connect(continuation)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await frame in frames { try await outbound.write(.text(frame)) }
                // Finished: the session ended or another page took it over.
                try? await outbound.close(.normalClosure, reason: nil)
            }
            do {
                for try await message in inbound.messages(maxSize: GizmoApplication.maxFrameBytes) {
                    switch message {
                    case .text(let text):
                        await session.receive(text)
                    case .binary(let bytes):
                        logger.warning("a binary message of \(bytes.readableBytes) bytes from the page was dropped")
                        continuation.yield(GizmoVM.frame(error: "the page sent a binary message (\(bytes.readableBytes) bytes); the gizmo protocol uses text only, so it was dropped"))
                    }
                }
            } catch {
                logger.info("page connection closed: \(error)")
            }
            session.disconnect(connection)
            continuation.finish()
            try await group.waitForAll()
        }
    }
}
