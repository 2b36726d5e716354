import Foundation

/// The `Host` names this server answers to: the wall against DNS rebinding.
///
/// A page on a name its owner controls (`evil.example`) can have that name
/// re-pointed at this machine after it loaded; the browser then takes this
/// server for that page's own site, so the Origin check (which compares
/// `Origin` with `Host`) passes and the page reads every answer. The one thing
/// such a request cannot hide is the name it was sent to, so only names this
/// server knows it is reached by are served:
/// - IP literals (no DNS, nothing to re-point), `localhost` and `*.localhost`
///   (browsers resolve these to loopback themselves);
/// - the bind address when it is a name, the advertised name
///   (`GIZMO_USE_SERVER_ADDRESS`), and this machine's name when bound to all
///   interfaces (the name the printed link uses);
/// - the names of `--allow-host` / `GIZMO_ALLOW_HOST`; `*` allows any name
///   (only behind a proxy that checks `Host` itself).
///
/// Names compare case-insensitively, without the port and a final dot.
public struct HostAllowList: Sendable, Equatable {
    /// Lowercased names, without port or final dot.
    let names: Set<String>
    let allowsAnyName: Bool

    /// Any `Host` at all: `--allow-host '*'`.
    public static let anyHost = HostAllowList(names: [], allowsAnyName: true)

    init(names: Set<String>, allowsAnyName: Bool) {
        self.names = names
        self.allowsAnyName = allowsAnyName
    }

    /// The names of the server's own addresses.
    /// - Parameters:
    ///   - bindHost: where the server listens (`--host`, `GIZMO_BIND_ADDRESS`).
    ///   - serverAddress: `GIZMO_USE_SERVER_ADDRESS`, as given.
    public init(bindHost: String, serverAddress: String? = nil) {
        var names: Set<String> = []
        // Given by the operator, who may write them with a port or a scheme;
        // what is not a name (an address, a typo) adds nothing.
        for given in [bindHost, LinkSettings.inferredHost(boundHost: bindHost), serverAddress].compactMap({ $0 }) {
            let authority = given.contains("://") ? URLComponents(string: given)?.host ?? "" : given
            if let name = Self.hostName(ofAuthority: authority) { names.insert(name) }
        }
        self.init(names: names, allowsAnyName: false)
    }

    /// This list and the names of `--allow-host` / `GIZMO_ALLOW_HOST`; `*` allows any.
    /// - Throws: `Invalid` naming the first entry that is no host name.
    public func allowing(_ entries: [String]) throws(Invalid) -> HostAllowList {
        var names = names
        var any = allowsAnyName
        for entry in entries {
            let trimmed = entry.trimmingCharacters(in: .whitespaces)
            if trimmed == "*" {
                any = true
            } else if let name = Self.hostName(ofAuthority: trimmed) {
                names.insert(name)
            } else {
                throw Invalid(entry: entry)
            }
        }
        return HostAllowList(names: names, allowsAnyName: any)
    }

    /// An `--allow-host` entry that is no host name.
    public struct Invalid: Error, Equatable {
        public var entry: String
        public var message: String {
            "--allow-host (or GIZMO_ALLOW_HOST): “\(entry)” is not a host name (give names such as gizmos.example.org, comma-separated, or * for any)"
        }
    }

    /// Whether a request sent to `authority` (a `Host` value) may be served.
    func allows(authority: String) -> Bool {
        if allowsAnyName { return true }
        guard let name = Self.hostName(ofAuthority: authority) else { return false }
        return Self.isIPLiteral(name) || name == "localhost" || name.hasSuffix(".localhost") || names.contains(name)
    }

    /// The host of a `Host` value, lowercased, without port, brackets or a
    /// final dot; nil when it is no host name or address at all.
    static func hostName(ofAuthority authority: String) -> String? {
        guard !authority.isEmpty, authority.utf8.count <= 300 else { return nil }
        var host = Substring(authority)
        var port: Substring = ""
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return nil }
            port = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            guard isIPv6(String(host)) else { return nil }
        } else if let colon = host.lastIndex(of: ":") {
            port = host[colon...]
            host = host[..<colon]
        }
        if !port.isEmpty {
            let digits = port.dropFirst()
            guard port.first == ":", (1...5).contains(digits.count), digits.allSatisfy(\.isASCIIDigit),
                  let number = Int(digits), number <= 65535
            else { return nil }
        }
        if host.hasSuffix(".") { host = host.dropLast() }
        guard !host.isEmpty, !host.contains(":") || isIPv6(String(host)) else { return nil }
        if !host.contains(":") {
            guard host.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-._".unicodeScalars.contains($0)) })
            else { return nil }
        }
        return host.lowercased()
    }

    /// A dotted-quad IPv4 address, or an IPv6 address (given without brackets).
    static func isIPLiteral(_ name: String) -> Bool {
        var ipv4 = in_addr()
        return inet_pton(AF_INET, name, &ipv4) == 1 || isIPv6(name)
    }

    private static func isIPv6(_ text: String) -> Bool {
        var ipv6 = in6_addr()
        return inet_pton(AF_INET6, text, &ipv6) == 1
    }
}
