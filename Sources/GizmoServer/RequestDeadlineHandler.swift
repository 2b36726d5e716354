import GizmoLua
import Logging
import NIOCore
import NIOHTTP1

/// Closes an HTTP connection that misses a deadline of ``RequestDeadlines``.
///
/// It sits between the response encoder and the request decoder, so it sees
/// the raw bytes that arrive (the first byte of a request ends the idle
/// time) and the responses that leave (an ended response starts it; a 101
/// means the connection is now a WebSocket, and the handler leaves the
/// pipeline). Request heads and ends are reported by ``RequestPartsWatch``,
/// which sees the decoded request. Timer: one scheduled check at a time,
/// moved earlier when a deadline comes sooner, re-armed when it fires early.
final class RequestDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private var deadlines: RequestDeadlines
    private var context: ChannelHandlerContext?
    private var check: (task: Scheduled<Void>, at: NIODeadline)?
    private let logger: Logger

    init(timeouts: ConnectionTimeouts, logger: Logger) {
        deadlines = RequestDeadlines(timeouts: timeouts)
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { perform(deadlines.opened(now: .now())) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        check?.task.cancel()
        check = nil
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        perform(deadlines.opened(now: .now()))
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        perform(deadlines.bytesArrived(now: .now()))
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // Upgraded, what passes is WebSocket frames (the ping watches them):
        // passed on as they are until the handler has left the pipeline.
        guard deadlines.phase != .upgraded else { return context.write(data, promise: promise) }
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status == .switchingProtocols:
            context.write(data, promise: promise)
            perform(deadlines.upgraded())
        case .end:
            context.write(data, promise: promise)
            perform(deadlines.responseEnded(now: .now()))
        case .head, .body:
            context.write(data, promise: promise)
        }
    }

    func flush(context: ChannelHandlerContext) {
        context.flush()
        // Leave after the 101 is flushed: leaving during its write would lose
        // the flush of the upgrader's writeAndFlush, and the 101 with it.
        if deadlines.phase == .upgraded {
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }

    /// From ``RequestPartsWatch``: a request's head has been decoded.
    func headArrived() {
        perform(deadlines.headArrived(now: .now()))
    }

    /// From ``RequestPartsWatch``: a request's body has ended.
    func requestEnded() {
        perform(deadlines.requestEnded(now: .now()))
    }

    private func perform(_ action: RequestDeadlines.Action) {
        guard let context else { return }
        switch action {
        case .none:
            break
        case .check(let at):
            if let check, check.at <= at { return }  // it fires first, then re-arms for `at`
            check?.task.cancel()
            let task = context.eventLoop.assumeIsolated().scheduleTask(deadline: at) { [self] in
                check = nil
                perform(deadlines.timerFired(now: .now()))
            }
            check = (task, at)
        case .close(let phase):
            logger.debug("closed a connection: \(Self.reason(phase, deadlines.timeouts))",
                         metadata: ["peer": "\(LogText.escaped(context.channel.remoteAddress.map { "\($0)" } ?? "?"))"])
            // Told first that no more input comes, the handlers behind end as
            // when a client hangs up; closed under them, Hummingbird's upgrade
            // handler logs an error per connection, which an attacker could
            // use to flood the log.
            context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
            context.close(promise: nil)
        }
    }

    static func reason(_ phase: RequestDeadlines.Phase, _ timeouts: ConnectionTimeouts) -> String {
        switch phase {
        case .awaitingHead: "no complete request head within \(seconds(timeouts.requestHead)) s"
        case .readingBody: "the request body did not end within \(seconds(timeouts.requestBody)) s"
        case .idle: "idle for \(seconds(timeouts.idle)) s"
        case .serving, .upgraded: "closed while \(phase)"
        }
    }

    private static func seconds(_ amount: TimeAmount) -> String {
        let value = Double(amount.nanoseconds) / 1e9
        return value == value.rounded() ? "\(Int(value))" : "\(value)"
    }
}
