import Foundation
import Hummingbird

/// Asks every request for the server's token (``AccessToken``): in the query
/// (`?token=T`, as the printed link carries it), in `Authorization: token T`
/// or `Bearer T` (programs), or in the cookie `gizmolua-token-<port>` that a
/// valid `?token=` sets (HttpOnly, SameSite=Lax, Path=/).
///
/// A GET of an entry page or a child page with `token` in its query is
/// answered 303 to the same relative address without it (the cookie set), so
/// the token leaves the address bar and the history. Everything else keeps
/// its query: `/connect/` passes it on to the gizmo as it came.
/// Without a valid token: a 403 page that says how to get one; a WebSocket
/// is not upgraded.
struct TokenCheck<Context: RequestContext>: RouterMiddleware {
    let token: AccessToken
    let port: ListeningPort

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let cookieName = AccessToken.cookieName(port: port.value)
        let offered = request.queryTokens
        let fromQuery = offered.contains { token.matches($0) }
        let authorized = fromQuery
            || request.authorizationToken.map { token.matches($0) } == true
            || request.cookieValue(named: cookieName).map { token.matches($0) } == true
        guard authorized else {
            context.logger.debug("refused a request without the token", metadata: ["path": "\(request.uri.path.prefix(200).debugDescription)"])
            return Self.refusal(offeredWrongToken: !offered.isEmpty)
        }
        var response: Response
        if !offered.isEmpty, request.method == .get, Self.isPage(request.uri.path) {
            let location = Self.addressWithoutToken(path: request.uri.path, query: request.uri.query)
            response = Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
        } else {
            response = try await next(request, context)
        }
        if fromQuery {
            response.setCookie(Cookie(name: cookieName, value: token.value, path: "/", httpOnly: true, sameSite: .lax))
        }
        return response
    }

    /// An entry page (`/`) or a child page (`/gizmo/http/<ID>/index.html`):
    /// the addresses people open, bookmark and share.
    static func isPage(_ path: String) -> Bool {
        if path == "/" { return true }
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        return segments.count == 5 && segments[0].isEmpty && segments[1] == "gizmo" && segments[2] == "http"
            && !segments[3].isEmpty && segments[4] == "index.html"
    }

    /// The page's own address relative to itself, its query without the
    /// token: relative, so a prefix in front of the server keeps working.
    static func addressWithoutToken(path: String, query: String?) -> String {
        let page = path.hasSuffix("/") ? "./" : String(path.split(separator: "/").last ?? "./")
        return Self.queryWithoutToken(query).map { "\(page)?\($0)" } ?? page
    }

    /// A query string without its `token` parameters, the others kept as they
    /// came (order and encoding); nil when nothing is left.
    static func queryWithoutToken(_ query: String?) -> String? {
        guard let query else { return nil }
        let kept = query.split(separator: "&", omittingEmptySubsequences: true).filter { pair in
            let name = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            return (String(name).removingPercentEncoding ?? String(name)) != "token"
        }
        return kept.isEmpty ? nil : kept.joined(separator: "&")
    }

    static func refusal(offeredWrongToken: Bool) -> Response {
        let wrong = offeredWrongToken
            ? "<p>The token in this address is not this server's: a server makes a new one each time it starts, unless GIZMO_TOKEN sets it.</p>"
            : ""
        return ErrorPage.response(
            .forbidden, title: "This gizmo server needs its token",
            message: "This gizmo server needs its token: open the link gizmolua printed (it ends in ?token=...).",
            more: wrong + "<p class=\"muted\">Programs send it as <code>Authorization: token ...</code>.</p>")
    }
}
