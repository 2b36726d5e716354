import Foundation
import HTTPTypes
import Hummingbird
import NIOHTTP1

/// Which headers the `/connect/` proxy passes on, each way.
///
/// End-to-end headers go through unchanged. Dropped: the hop-by-hop ones
/// (RFC 9110 7.6.1, and any a `Connection` header names); `Host` and the
/// body framing, which the proxy's own connection sets; and the outer
/// site's credentials and cookies. Cookies are scoped by host, not port, so
/// forwarding them would hand this site's cookies (a login, a token) to
/// whatever process listens on the port in the URL, and a `Set-Cookie` from
/// that process would set cookies for this site.
enum ProxyHeaders {
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
        "te", "trailer", "transfer-encoding", "upgrade",
    ]
    /// Browser to gizmo: also `Origin`, which the proxy checks itself and
    /// which would name a host the gizmo is not.
    static let notToGizmo: Set<String> = ["host", "content-length", "cookie", "authorization", "origin"]
    static let notFromGizmo: Set<String> = ["set-cookie", "set-cookie2"]

    static func toGizmo(_ fields: HTTPFields) -> HTTPHeaders {
        let dropped = hopByHop.union(notToGizmo).union(connectionTokens(fields[values: .connection]))
        var headers = HTTPHeaders()
        for field in fields where !dropped.contains(field.name.canonicalName) {
            headers.add(name: field.name.rawName, value: field.value)
        }
        return headers
    }

    static func fromGizmo(_ headers: HTTPHeaders) -> HTTPFields {
        let dropped = hopByHop.union(notFromGizmo).union(connectionTokens(headers["connection"]))
        var fields = HTTPFields()
        for (name, value) in headers where !dropped.contains(name.lowercased()) {
            guard let fieldName = HTTPField.Name(name) else { continue }
            fields.append(.init(name: fieldName, value: value))
        }
        return fields
    }

    private static func connectionTokens(_ values: [String]) -> Set<String> {
        Set(values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
    }

    /// True unless the request may come from a page of another site.
    ///
    /// Browsers send one `Origin`, `null` or `http(s)://host[:port]`, which
    /// must then name this server as the browser reached it (`Host`, which
    /// Hummingbird keeps as the request's authority). A request without
    /// `Origin`, or with a `ws(s)://` one (WebSocket libraries name their own
    /// target so; browsers never do), is not a page's request.
    static func isSameOrigin(_ request: Request) -> Bool {
        let origins = request.headers[values: .origin]
        guard let origin = origins.first else { return true }
        guard origins.count == 1 else { return false }
        if origin.hasPrefix("ws://") || origin.hasPrefix("wss://") { return true }
        guard let host = request.head.authority else { return false }
        let scheme: String
        let authority: Substring
        if origin.hasPrefix("http://") {
            (scheme, authority) = ("http", origin.dropFirst("http://".count))
        } else if origin.hasPrefix("https://") {
            (scheme, authority) = ("https", origin.dropFirst("https://".count))
        } else {
            return false  // "null" (a sandboxed or file page) or another scheme
        }
        return withoutDefaultPort(authority, scheme: scheme) == withoutDefaultPort(host[...], scheme: scheme)
    }

    private static func withoutDefaultPort(_ authority: Substring, scheme: String) -> String {
        let lowered = authority.lowercased()
        let defaultPort = scheme == "https" ? ":443" : ":80"
        return lowered.hasSuffix(defaultPort) ? String(lowered.dropLast(defaultPort.count)) : lowered
    }
}
