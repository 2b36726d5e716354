import Foundation

/// How the printed link is built, from the environment as in H5Gizmos:
/// `GIZMO_USE_PORT`, `GIZMO_USE_SERVER_ADDRESS`, `GIZMO_LINK_PREFIX`.
public struct LinkSettings: Sendable, Equatable {
    /// The port to listen on and advertise, if it is free.
    public var usePort: Int?
    /// The host name to advertise, verbatim.
    public var serverAddress: String?
    /// A proxy's prefix, always ending in `/`: the link becomes
    /// `PREFIX connect/PORT/gizmo/http/ID/index.html` and no browser opens.
    public var linkPrefix: String?
    /// Lines for stderr about settings that could not be used.
    public var notes: [String] = []

    public init(usePort: Int? = nil, serverAddress: String? = nil, linkPrefix: String? = nil) {
        self.usePort = usePort
        self.serverAddress = serverAddress
        self.linkPrefix = linkPrefix.map(Self.normalize)
    }

    public init(environment: [String: String]) {
        self.init()
        if let raw = environment["GIZMO_USE_PORT"], !raw.isEmpty {
            if let port = Int(raw.trimmingCharacters(in: .whitespaces)), (1...65535).contains(port) {
                usePort = port
            } else {
                notes.append("gizmolua: GIZMO_USE_PORT=\(raw) is not a port number (1-65535); using a free port")
            }
        }
        if let address = environment["GIZMO_USE_SERVER_ADDRESS"], !address.isEmpty {
            serverAddress = address
        }
        if let prefix = environment["GIZMO_LINK_PREFIX"], !prefix.isEmpty {
            linkPrefix = Self.normalize(prefix)
        }
    }

    private static func normalize(_ prefix: String) -> String {
        prefix.hasSuffix("/") ? prefix : prefix + "/"
    }

    /// Whether a browser may be opened for the link (not behind a proxy prefix).
    public var mayOpenBrowser: Bool { linkPrefix == nil }

    /// The child page's address for a session on `port`.
    /// - Parameters:
    ///   - boundHost: where the server listens, to infer a name from.
    ///   - token: carried as `?token=`, which the page answers with a cookie
    ///     and a redirect to its address without it.
    public func childPageLink(session: SessionID, port: Int, boundHost: String, token: AccessToken? = nil) -> String {
        let path = "gizmo/http/\(session)/index.html" + Self.query(token)
        if let linkPrefix {
            return "\(linkPrefix)connect/\(port)/\(path)"
        }
        return serverLink(port: port, boundHost: boundHost) + path
    }

    /// This server's own address, `http://HOST:PORT/`: the advertised host
    /// (`GIZMO_USE_SERVER_ADDRESS`, else a name inferred from the bind).
    /// `GIZMO_LINK_PREFIX` does not apply: it is for gizmos reached through
    /// another server.
    public func serverLink(port: Int, boundHost: String, token: AccessToken? = nil) -> String {
        let host = serverAddress ?? Self.inferredHost(boundHost: boundHost)
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "http://\(bracketed):\(port)/" + Self.query(token)
    }

    /// A token's characters need no encoding in a URL (``AccessToken``).
    private static func query(_ token: AccessToken?) -> String {
        token.map { "?token=\($0.value)" } ?? ""
    }

    /// `localhost` for a loopback bind; this machine's name for a bind on all
    /// interfaces; otherwise the bound address itself.
    public static func inferredHost(boundHost: String) -> String {
        switch boundHost {
        case "127.0.0.1", "::1", "localhost", "":
            return "localhost"
        case "0.0.0.0", "::":
            var name = [CChar](repeating: 0, count: 256)
            guard gethostname(&name, name.count - 1) == 0 else { return "localhost" }
            let host = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return host.isEmpty ? "localhost" : host
        default:
            return boundHost
        }
    }
}
