import Foundation
import GizmoLua
import GizmoStore
import HTTPTypes
import Hummingbird
import NIOCore
import NIOPosix

/// `POST /push/<module>/<key>`: any process on this machine (a training job,
/// a cron script, a job in another container with the token) sets a key of a
/// module's store, or appends to its list, without being started by the
/// gizmo. The write is the one `gz.store.set` / `append` makes: the same
/// checks and limits, the same store file, and every watcher sees it.
///
/// Who may push: a loopback peer, or anyone with the server's token (which
/// ``TokenCheck`` has already asked for when the server requires one). A
/// server that requires no token refuses pushes from other machines, and from
/// requests that came through a proxy (whose peer is the proxy's loopback
/// address). A page of another site (an `Origin` that is not this server's)
/// is refused too: a browser would send its POST from the person's machine.
public struct StorePush: Sendable {
    private let modules: ModuleServices.Source
    private let stores: StoreDirectory

    /// - Parameters:
    ///   - modules: where the server's modules are (the catalog of `serve`,
    ///     the script's folder for `run`); no other name is ever pushed to.
    ///   - stores: the stores the modules' sessions and services use; a
    ///     module's is found by its data folder, as theirs is.
    public init(modules: ModuleServices.Source, stores: StoreDirectory) {
        self.modules = modules
        self.stores = stores
    }

    /// Adds the route to `router` (after the Host and token checks).
    func addRoutes(to router: Router<HTTPRequestContext>, tokenRequired: Bool) {
        router.post("/push/**") { request, context in
            await respond(to: request, peer: context.remoteAddress, tokenRequired: tokenRequired)
        }
        for method in [HTTPRequest.Method.get, .head, .put, .delete, .patch] {
            router.on("/push/**", method: method) { _, _ in
                Self.answer(.methodNotAllowed, "push with POST (a JSON body sets the key; ?append=N appends it)",
                            headers: [.allow: "POST"])
            }
        }
    }

    /// The answer to a push from `peer` (nil: no socket, as in a router test:
    /// treated as another machine).
    func respond(to request: Request, peer: SocketAddress?, tokenRequired: Bool) async -> Response {
        if let refusal = refusalOfOrigin(request, peer: peer, tokenRequired: tokenRequired) { return refusal }
        let push: PushRequest
        do throws(PushRequest.Refusal) {
            push = try PushRequest(path: request.uri.path, query: request.uri.query)
        } catch {
            return Self.answer(.badRequest, error.message)
        }
        guard let folder = folder(of: push.module) else {
            return Self.answer(.notFound, "this server has no module of that name; push to /push/MODULE/KEY where MODULE is the folder of the gizmo's scripts")
        }
        let limit = stores.limits.valueBytes
        let body: [UInt8]
        switch await Self.body(of: request, limit: limit) {
        case .bytes(let bytes): body = bytes
        case .tooLarge:
            return Self.answer(.contentTooLarge, "the body is over the store's limit of \(limit / 1024) KiB for one value; send less, or start gizmolua with a larger --store-value-limit")
        case .broken:
            return Self.answer(.badRequest, "the body did not arrive whole; send it again")
        }
        let json: String
        do throws(PushRequest.Refusal) {
            json = try PushRequest.json(from: body)
        } catch {
            return Self.answer(.badRequest, error.message)
        }
        let stores = self.stores
        do {
            let answer = try await NIOThreadPool.singleton.runIfActive { () throws(StoreError) -> String in
                // A write waits for the disk (synchronous = FULL): not on Swift's few cooperative threads.
                try push.write.apply(json, to: push.key, of: try stores.store(in: folder))
            }
            return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(string: answer + "\n")))
        } catch let error as StoreError {
            switch error.reason {
            case .full: return Self.answer(.init(code: 507, reasonPhrase: "Insufficient Storage"), error.message)
            case .wrongKind: return Self.answer(.conflict, error.message)
            case .other: return Self.answer(.serviceUnavailable, error.message)
            }
        } catch {
            return Self.answer(.serviceUnavailable, "the server is stopping; push again once it runs")
        }
    }

    /// A 403 for a push the server must not take from where it came, or nil.
    private func refusalOfOrigin(_ request: Request, peer: SocketAddress?, tokenRequired: Bool) -> Response? {
        guard OriginCheck.allows(request) else {
            return Self.answer(.forbidden, "a push from a web page of another site is refused; push from a program (no Origin header)")
        }
        if tokenRequired { return nil } // TokenCheck let it through: it carries the token
        let proxied = ["X-Forwarded-For", "Forwarded", "X-Real-IP"].contains { name in
            HTTPField.Name(name).map { request.headers[$0] != nil } ?? false
        }
        guard let address = peer?.ipAddress, ServerAccess.isLoopback(address), !proxied else {
            return Self.answer(.forbidden, "this server takes pushes from this machine only, since it asks no token; push from the server's machine, or start gizmolua with GIZMO_TOKEN set (without --no-token) and send Authorization: token ...")
        }
        return nil
    }

    /// The data folder of the module named `name`, if the server has it.
    private func folder(of name: String) -> URL? {
        guard Catalog.isValidName(name) else { return nil }
        switch modules {
        case .folder(let folder, _):
            return folder.lastPathComponent == name ? DataFolder.root(module: name) : nil
        case .catalog(let catalog):
            guard let listing = try? catalog.scan(), listing.module(named: name) != nil else { return nil }
            return DataFolder.root(module: name)
        }
    }

    enum Body: Equatable {
        case bytes([UInt8])
        case tooLarge
        case broken
    }

    /// The body, unless it is over `limit` bytes: refused by its
    /// Content-Length before reading, else as soon as the bytes read pass it
    /// (never more than the limit and one chunk held).
    static func body(of request: Request, limit: Int) async -> Body {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit { return .tooLarge }
        var bytes: [UInt8] = []
        do {
            for try await chunk in request.body {
                guard bytes.count + chunk.readableBytes <= limit else { return .tooLarge }
                bytes += chunk.readableBytesView
            }
        } catch {
            return .broken
        }
        return .bytes(bytes)
    }

    /// A one-line text answer that says what to do.
    static func answer(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "text/plain; charset=utf-8"
        fields[.cacheControl] = "no-store"
        return Response(status: status, headers: fields,
                        body: .init(byteBuffer: ByteBuffer(string: "gizmolua push: \(message)\n")))
    }
}
