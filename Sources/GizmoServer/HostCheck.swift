import HTTPTypes
import Hummingbird
import Logging

/// Refuses every request sent to a name the server does not answer to
/// (``HostAllowList``), before any route runs: pages, files, `/connect/`, and
/// WebSocket upgrades, which are then never upgraded.
///
/// `X-Forwarded-Host` is checked as well as `Host`: behind a proxy that
/// passes the browser's name in it (and `Host: 127.0.0.1`), a rebound name
/// arrives there, and the Origin check compares origins with it. A request
/// without `Host` at all comes from a program, never a browser, so there is
/// no name to check.
struct HostCheck<Context: RequestContext>: RouterMiddleware {
    let allowList: HostAllowList

    static var forwardedHost: HTTPField.Name { HTTPField.Name("X-Forwarded-Host")! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let refused = refusedAuthority(of: request) else {
            return try await next(request, context)
        }
        let name = HostAllowList.hostName(ofAuthority: refused) ?? String(refused.prefix(100))
        context.logger.debug("refused a request for another host name", metadata: ["host": "\(name.debugDescription)"])
        return Self.refusal(name: name)
    }

    /// The first value of `Host` and `X-Forwarded-Host` that is not allowed.
    func refusedAuthority(of request: Request) -> String? {
        var authorities = request.head.authority.map { [$0] } ?? []
        for value in request.headers[values: Self.forwardedHost] {
            authorities += value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        return authorities.first { !allowList.allows(authority: $0) }
    }

    static func refusal(name: String) -> Response {
        ErrorPage.response(
            .forbidden, title: "Unknown host name",
            message: """
            This gizmo server does not answer to the name “\(name)”: a page of another site could \
            point that name at this machine (DNS rebinding). If it is this server's own name, \
            start gizmolua with --allow-host=\(HostAllowList.hostName(ofAuthority: name) == nil ? "NAME" : name).
            """)
    }
}
