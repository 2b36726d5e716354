import Foundation
import HTTPTypes
import Hummingbird

/// Whether a WebSocket upgrade comes from a page of this server.
///
/// Browsers send `Origin` with every WebSocket handshake; a page of another
/// site that knows a session id must not drive the session (cross-site
/// WebSocket hijacking, one of H5Gizmos' holes). An upgrade without `Origin`
/// or with a `ws:` origin (a program, not a browser) is allowed: the session
/// id is its capability.
/// Behind a reverse proxy, the proxy must pass the browser's `Host` on (nginx:
/// `proxy_set_header Host $http_host;`) or set `X-Forwarded-Host`.
/// Comparing with `Host` is sound only because `HostCheck` has refused every
/// name that is not this server's first: a page on a rebound name (DNS
/// rebinding) sends an `Origin` that matches its `Host`.
enum OriginCheck {
    static func allows(_ request: Request) -> Bool {
        let origins = request.headers[values: .origin]
        guard !origins.isEmpty else { return true }
        let forwarded = HTTPField.Name("X-Forwarded-Host").flatMap { request.headers[$0] }
        let hosts = [request.head.authority, forwarded].compactMap { $0 }
        return origins.allSatisfy { origin in
            guard let url = URLComponents(string: origin), let scheme = url.scheme?.lowercased() else { return false }
            // Browsers send only http(s) origins (or "null"); a ws: origin is a
            // program's WebSocket client, which is no cross-site page.
            guard scheme == "http" || scheme == "https" else { return scheme == "ws" || scheme == "wss" }
            guard let host = url.host, !host.isEmpty else { return false }
            let originAuthority = authority(host: host, port: url.port, scheme: scheme)
            return hosts.contains { candidate in
                let value = candidate.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
                guard let parsed = URLComponents(string: "\(scheme)://\(value)"), let otherHost = parsed.host else { return false }
                return authority(host: otherHost, port: parsed.port, scheme: scheme) == originAuthority
            }
        }
    }

    private static func authority(host: String, port: Int?, scheme: String) -> String {
        "\(host.lowercased()):\(port ?? (scheme == "https" ? 443 : 80))"
    }
}
