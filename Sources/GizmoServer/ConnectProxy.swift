import AsyncHTTPClient
import Foundation
import GizmoLua
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// `/connect/<port>/gizmo/(http|ws)/...`: a proxy to a gizmo started
/// separately on this machine with `GIZMO_LINK_PREFIX` pointing here (a
/// `gizmolua run`, or a Python H5Gizmos gizmo).
///
/// HTTP bodies stream both ways and end-to-end headers pass (`ProxyHeaders`
/// says which do not); redirects are passed to the browser, never followed.
/// WebSockets are relayed frame by frame (`WebSocketRelay`). The target is
/// always 127.0.0.1 and a path under `/gizmo/` (`ConnectTarget`).
///
/// It is a `Service` that shuts its HTTP client down when the server stops:
/// list it *before* the application in the service group (services stop in
/// reverse order), so requests in flight finish first. Or call `shutdown()`.
public struct ConnectProxy: Service {
    /// How long a gizmo may take to connect and to send its response head.
    static let connectTimeout: TimeAmount = .seconds(5)
    static let responseTimeout: TimeAmount = .seconds(60)

    let client: HTTPClient
    let logger: Logger

    public init(logger: Logger) {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: Self.connectTimeout),
            decompression: .disabled
        )
        // Nothing listening is an answer (502) now, not a reason to retry until the timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
        self.logger = logger
    }

    /// Mounts `/connect/**` on the HTTP router and the WebSocket router.
    func addRoutes(to router: Router<HTTPRequestContext>, webSockets: Router<PageRequestContext>) {
        for method: HTTPRequest.Method in [.get, .head, .post, .put, .delete, .patch, .options] {
            router.on("/connect/**", method: method) { request, _ in await forward(request) }
        }
        webSockets.ws("/connect/{port}/gizmo/ws/**") { request, _ in
            await shouldUpgrade(request) ? .upgrade([:]) : .dontUpgrade
        } onUpgrade: { inbound, outbound, context in
            let request = context.request
            guard let target = try? ConnectTarget.parse(path: request.uri.path, query: request.uri.query) else { return }
            let relay = WebSocketRelay(url: target.webSocketURL, port: target.port,
                                       maxFrameSize: GizmoApplication.maxFrameBytes, logger: logger)
            await relay.run(browserInbound: inbound, browserOutbound: outbound)
        }
    }

    public func run() async throws {
        try? await gracefulShutdown()
        try await shutdown()
    }

    public func shutdown() async throws {
        try await client.shutdown()
    }

    // MARK: HTTP

    /// Methods a page of another site may use through the proxy (with an
    /// `Origin` naming it). Not OPTIONS: refusing a cross-site preflight
    /// stops the request it asks for, whatever the gizmo would answer.
    private static let crossSiteMethods: Set<HTTPRequest.Method> = [.get, .head]

    func forward(_ request: Request) async -> Response {
        let target: ConnectTarget
        do {
            target = try ConnectTarget.parse(path: request.uri.path, query: request.uri.query)
        } catch {
            logger.info("/connect/: refused \(LogText.escaped(Self.readable(request.uri.path))): \(LogText.escaped(error.message))")
            return ErrorPage.response(.badRequest, title: "Not a gizmo address", message: error.message)
        }
        if !Self.crossSiteMethods.contains(request.method), !OriginCheck.allows(request) {
            return ErrorPage.response(.forbidden, title: "Refused",
                                      message: "A page of another site may not send this to a gizmo.")
        }
        var outbound = HTTPClientRequest(url: target.httpURL)
        outbound.method = .init(rawValue: request.method.rawValue)
        outbound.headers = ProxyHeaders.toGizmo(request.headers)
        outbound.body = Self.body(of: request)
        do {
            let response = try await client.execute(outbound, timeout: Self.responseTimeout, logger: logger)
            return Response(
                status: .init(code: Int(response.status.code), reasonPhrase: response.status.reasonPhrase),
                headers: ProxyHeaders.fromGizmo(response.headers),
                body: ResponseBody(asyncSequence: response.body)
            )
        } catch {
            return failure(error, port: target.port)
        }
    }

    /// The request body as it comes, with the length the browser gave.
    private static func body(of request: Request) -> HTTPClientRequest.Body? {
        if let length = request.headers[.contentLength].flatMap(Int64.init) {
            return .stream(request.body, length: .known(length))
        }
        if request.headers[.transferEncoding] != nil || [.post, .put, .patch].contains(request.method) {
            return .stream(request.body, length: .unknown)
        }
        return nil
    }

    private func failure(_ error: any Error, port: Int) -> Response {
        if Self.isRefused(error) {
            logger.info("/connect/\(port): nothing listens on port \(port)")
            return ErrorPage.response(.badGateway, title: "No gizmo on port \(port)", message: Self.nothingListens(port))
        }
        if let error = error as? HTTPClientError, error == .connectTimeout || error == .deadlineExceeded {
            logger.info("/connect/\(port): no answer in time")
            return ErrorPage.response(.gatewayTimeout, title: "The gizmo on port \(port) did not answer",
                                      message: "It did not answer in time. Is it busy, or stopped in a debugger?")
        }
        logger.info("/connect/\(port): \(LogText.escaped("\(error)"))")
        return ErrorPage.response(.badGateway, title: "The gizmo on port \(port) did not answer properly",
                                  message: "The connection to it failed: \(error).")
    }

    /// A refused path as a person reads it: percent-decoded where that gives
    /// text (a `%0D%0A` shows, escaped, as the line break it hides), raw otherwise.
    static func readable(_ path: String) -> String {
        path.removingPercentEncoding ?? path
    }

    static func nothingListens(_ port: Int) -> String {
        """
        Nothing listens on port \(port) on this machine. Is the gizmo still running? \
        It must be started with GIZMO_LINK_PREFIX pointing at this server, and opened with the link it printed.
        """
    }

    static func isRefused(_ error: any Error) -> Bool {
        if let error = error as? IOError { return error.errnoCode == ECONNREFUSED }
        if let error = error as? NIOConnectionError {
            return !error.connectionErrors.isEmpty && error.connectionErrors.allSatisfy { isRefused($0.error) }
        }
        return false
    }

    // MARK: WebSocket

    /// Upgrade only a well-formed address, from a page of this site, to a
    /// port where something listens. Refused, the browser's handshake fails
    /// (Hummingbird answers a refused upgrade with a bare 400 and a close), which
    /// gizmo.js meets with its reconnect backoff, never showing "connected".
    private func shouldUpgrade(_ request: Request) async -> Bool {
        guard let target = try? ConnectTarget.parse(path: request.uri.path, query: request.uri.query),
              target.channel == .ws
        else { return false }
        guard OriginCheck.allows(request) else {
            logger.warning("/connect/\(target.port): refused a WebSocket from another site (Origin \(LogText.escaped(request.headers[.origin] ?? "")))")
            return false
        }
        guard await Self.isListening(port: target.port) else {
            logger.info("/connect/\(target.port): nothing listens on port \(target.port)")
            return false
        }
        return true
    }

    static func isListening(port: Int) async -> Bool {
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(connectTimeout)
                .connect(host: "127.0.0.1", port: port)
                .get()
            try? await channel.close()
            return true
        } catch {
            return false
        }
    }
}
