import NIOCore
import NIOHTTPTypes

/// Tells the connection's ``RequestDeadlineHandler`` when a request's head
/// and end have been decoded.
///
/// Added with Hummingbird's `additionalChannelHandlers`, after the request
/// is decoded; on a connection that can upgrade to a WebSocket Hummingbird
/// adds these once the first request turns out not to be an upgrade, and
/// hands that request's parts on, so no head is missed.
final class RequestPartsWatch: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private var deadlines: RequestDeadlineHandler?

    func handlerAdded(context: ChannelHandlerContext) {
        deadlines = try? context.pipeline.syncOperations.handler(type: RequestDeadlineHandler.self)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadlines = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: deadlines?.headArrived()
        case .end: deadlines?.requestEnded()
        case .body: break
        }
        context.fireChannelRead(data)
    }
}
