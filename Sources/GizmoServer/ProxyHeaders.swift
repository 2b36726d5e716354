import Foundation
import HTTPTypes
import NIOHTTP1

/// Which headers the `/connect/` proxy passes on, each way.
///
/// End-to-end headers go through unchanged. Dropped: the hop-by-hop ones
/// (RFC 9110 7.6.1, and any a `Connection` header names); `Host` and the
/// body framing, which the proxy's own connection sets; and the outer
/// site's credentials and cookies. Cookies are scoped by host, not port, so
/// forwarding them would hand this site's cookies (a login, a token) to
/// whatever process listens on the port in the URL, and a `Set-Cookie` from
/// that process would set cookies for this site. Whose requests are taken
/// at all is `OriginCheck`'s call.
enum ProxyHeaders {
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
        "te", "trailer", "transfer-encoding", "upgrade",
    ]
    /// Browser to gizmo: also `Origin`, which the proxy checks itself
    /// (`OriginCheck`) and which would name a host the gizmo is not.
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
}
