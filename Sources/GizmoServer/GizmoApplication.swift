import Foundation
import GizmoLua
import Hummingbird
import HummingbirdWebSocket
import Logging

/// The HTTP and WebSocket routes of a gizmo server.
public enum GizmoApplication {
    /// Bytes of one WebSocket frame from a page; the runtime refuses messages
    /// over its own (smaller) limit with a readable error, this one only
    /// protects the server.
    static let maxFrameBytes = 4 << 20

    /// - Parameters:
    ///   - access: the Host names and the token asked of every request but
    ///     `/ping` and `/healthz`; by default the names of `host`, no token.
    ///   - push: `POST /push/<module>/<key>` into the modules' stores; none without it.
    ///   - timeouts: how long a connection may keep the server waiting, and
    ///     how often pages are pinged.
    public static func build(
        registry: SessionRegistry,
        host: String,
        port: Int,
        entryPoints: EntryPoints? = nil,
        logger: Logger,
        connectProxy: ConnectProxy? = nil,
        push: StorePush? = nil,
        access: ServerAccess? = nil,
        timeouts: ConnectionTimeouts = .standard,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let access = access ?? ServerAccess(hosts: HostAllowList(bindHost: host))
        let listening = ListeningPort(port)
        let router = Router(context: HTTPRequestContext.self)
        router.get("/ping") { _, _ in "pong gizmolua" }
        router.get("/healthz") { _, _ in "ok" }
        // Every route below, and "not found", asks for an allowed Host and the token.
        access.addChecks(to: router, port: listening)
        if let entryPoints {
            router.get("/") { request, _ in await entryPoints.respond(to: request) }
        }
        router.get("/gizmo/http/{id}/index.html") { _, context -> Response in
            let id = context.parameters.get("id").flatMap(SessionID.init)
            // A session the entry launched is ready once its main code has
            // run; if that failed, it is gone and its failure waits here.
            await id.flatMap(registry.session)?.launched()
            if let id, let failure = registry.takeLaunchFailure(id) { return failure.response }
            guard let session = id.flatMap(registry.session) else {
                return ErrorPage.response(.notFound, title: "No such gizmo",
                                          message: "This gizmo session does not exist, or it has ended. Start the gizmo again to get a new link.")
            }
            return HTMLResponse.page(ChildPage.html(title: session.scriptName, firstPaint: await session.firstPaint(),
                                                    launch: session.launchLink))
        }
        router.get("/gizmo/http/{id}/**") { _, context -> Response in
            let name = context.parameters.getCatchAll().joined(separator: "/")
            guard let session = lookup(context.parameters.get("id"), in: registry),
                  let resource = session.vm.resources.resource(named: name),
                  let body = ResourceBody.of(resource.content)
            else {
                return ErrorPage.response(.notFound, title: "Not found",
                                          message: "This gizmo serves nothing under that name.")
            }
            return Response(status: .ok, headers: [.contentType: resource.mime, .cacheControl: "no-cache"], body: body)
        }
        router.get("/gizmo/http/{id}") { request, context -> Response in
            guard let raw = context.parameters.get("id"), SessionID(raw) != nil else {
                return ErrorPage.response(.notFound, title: "Not found", message: "There is nothing at this address.")
            }
            let location = request.uri.path.hasSuffix("/") ? "index.html" : "\(raw)/index.html"
            return Response(status: .seeOther, headers: [.location: location])
        }

        let webSockets = Router(context: PageRequestContext.self)
        access.addChecks(to: webSockets, port: listening)
        webSockets.ws("/gizmo/ws/{id}") { request, context in
            guard let raw = context.parameters.get("id"), SessionID(raw) != nil, OriginCheck.allows(request) else {
                return .dontUpgrade
            }
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            guard let session = lookup(context.requestContext.parameters.get("id"), in: registry) else {
                // A page of a session this server does not hold (ended while
                // the page was away, or on a server that has restarted or a
                // replica that died): tell it, so it stops reconnecting and
                // may start its gizmo again, and let it close the socket
                // (closing from both ends at once can leave a client waiting
                // for the close handshake).
                try await outbound.write(.text(Session.goneFrame))
                for try await _ in inbound {}
                return
            }
            try await PageConnection(session: session, channel: context.requestContext.channel, logger: logger)
                .run(inbound: inbound, outbound: outbound)
        }
        connectProxy?.addRoutes(to: router, webSockets: webSockets)
        push?.addRoutes(to: router, tokenRequired: access.requiredToken != nil)

        return Application(
            router: router,
            // A text frame that is not UTF-8 closes the socket before the session sees it.
            server: .http1WebSocketUpgrade(webSocketRouter: webSockets,
                                           webSocket: .init(maxFrameSize: maxFrameBytes, autoPing: .enabled(timePeriod: timeouts.pagePing),
                                                            validateUTF8: true),
                                           timeouts: timeouts),
            configuration: .init(address: .hostname(host, port: port), serverName: "gizmolua"),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? port
                listening.bound(to: bound)
                await onServerRunning(bound)
            },
            logger: logger
        )
    }

    private static func lookup(_ raw: String?, in registry: SessionRegistry) -> Session? {
        guard let raw, let id = SessionID(raw) else { return nil }
        return registry.session(id)
    }
}
