import Foundation

/// Who may use a server: the `Host` names it answers to, and the token it
/// asks of every request (Jupyter Server's model), decided once at start.
///
/// A token is required when the server listens beyond loopback, or whenever
/// `GIZMO_TOKEN` is set to a non-empty value; it is `GIZMO_TOKEN`, else made
/// at start. `--no-token`, or `GIZMO_TOKEN` set to the empty string, turns
/// it off (with a warning beyond loopback). One exception: a `run` whose link
/// goes through another server (`GIZMO_LINK_PREFIX`) and that listens on
/// loopback only is reached through that server's `/connect/`, which checks
/// its own token and passes no cookie on, so a token of the gizmo's own
/// could not pass the first redirect; it asks none, and its link carries
/// `GIZMO_TOKEN` (if set) for the server in front.
public struct ServerAccess: Sendable {
    public var hosts: HostAllowList
    /// The token every request but `/ping` and `/healthz` must carry; nil: none.
    public var requiredToken: AccessToken?
    /// The token the printed link carries (`?token=`).
    public var linkToken: AccessToken?
    /// No token although the server listens beyond loopback: say so on stderr.
    public var openBeyondLoopback = false

    public init(hosts: HostAllowList, requiredToken: AccessToken? = nil) {
        self.hosts = hosts
        self.requiredToken = requiredToken
        self.linkToken = requiredToken
    }

    /// What the command line and the environment ask for.
    /// - Parameters:
    ///   - bindHost: where the server listens.
    ///   - allowHosts: the values of `--allow-host` (each may list names, comma-separated).
    ///   - noToken: `--no-token`.
    ///   - behindProxy: a `run` whose link goes through another server (`GIZMO_LINK_PREFIX`).
    /// - Throws: the one line to print: a bad `GIZMO_TOKEN` or `--allow-host` name.
    public static func resolve(bindHost: String, environment: [String: String], allowHosts: [String] = [],
                               noToken: Bool = false, behindProxy: Bool = false) throws(Refusal) -> ServerAccess {
        let names = (allowHosts + [environment["GIZMO_ALLOW_HOST"] ?? ""])
            .flatMap { $0.split(separator: ",").map(String.init) }
            .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        let hosts: HostAllowList
        do throws(HostAllowList.Invalid) {
            hosts = try HostAllowList(bindHost: bindHost, serverAddress: environment["GIZMO_USE_SERVER_ADDRESS"])
                .allowing(names)
        } catch {
            throw Refusal(message: "gizmolua: " + error.message)
        }
        var given: AccessToken?
        if let raw = environment["GIZMO_TOKEN"], !raw.isEmpty {
            do throws(AccessToken.Invalid) {
                given = try AccessToken(raw)
            } catch {
                throw Refusal(message: error.message)
            }
        }
        let beyondLoopback = !isLoopback(bindHost)
        var access = ServerAccess(hosts: hosts)
        if noToken || environment["GIZMO_TOKEN"] == "" {
            access.openBeyondLoopback = beyondLoopback
        } else if behindProxy && !beyondLoopback {
            access.linkToken = given
        } else if beyondLoopback || given != nil {
            access.requiredToken = given ?? .generate()
            access.linkToken = access.requiredToken
        }
        return access
    }

    /// A line for stderr when the server is open to anyone who can reach it.
    public func warning(port: Int, bindHost: String) -> String? {
        guard openBeyondLoopback else { return nil }
        let address = bindHost.contains(":") && !bindHost.hasPrefix("[") ? "[\(bindHost)]:\(port)" : "\(bindHost):\(port)"
        return "gizmolua: warning: no token (--no-token or GIZMO_TOKEN=''): anyone who can reach \(address) can use every gizmo here"
    }

    public struct Refusal: Error {
        public var message: String
    }

    /// 127.0.0.0/8, `::1` (also as `::ffff:127.x.y.z`) and `localhost`.
    static func isLoopback(_ bindHost: String) -> Bool {
        var host = bindHost.lowercased()
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "localhost" { return true }
        var ipv4 = in_addr()
        if inet_pton(AF_INET, host, &ipv4) == 1 {
            return withUnsafeBytes(of: &ipv4) { $0[0] } == 127
        }
        var ipv6 = in6_addr()
        guard inet_pton(AF_INET6, host, &ipv6) == 1 else { return false }
        let bytes = withUnsafeBytes(of: &ipv6) { Array($0) }
        if bytes[..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return true }
        return bytes[..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF && bytes[12] == 127
    }
}
