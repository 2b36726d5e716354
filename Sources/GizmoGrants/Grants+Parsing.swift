import Foundation

extension Grants {
    /// A grant that cannot be read, with the message to print.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// The grants of the command line and the environment together (a grant
    /// in either counts): `run`, `read` and `net` are the values of the
    /// repeated flags, each a comma-separated list; the environment's
    /// `GIZMO_ALLOW_RUN`, `GIZMO_ALLOW_READ`, `GIZMO_ALLOW_NET` (lists),
    /// `GIZMO_ALLOW_SIGNAL` and `GIZMO_ALLOW_ALL` (`1`, `true` or `yes`) add to them.
    /// - Throws: ``ParseError`` for an empty program, a relative path, a
    ///   bad host or port, or an environment switch that is not a yes or no.
    public static func parse(run: [String] = [], read: [String] = [], net: [String] = [],
                             signal: Bool = false, all: Bool = false,
                             environment: [String: String] = [:]) throws(ParseError) -> Grants {
        var grants = Grants()
        let allFromEnvironment = try switchOn(environment, "GIZMO_ALLOW_ALL")
        let signalFromEnvironment = try switchOn(environment, "GIZMO_ALLOW_SIGNAL")
        grants.all = all || allFromEnvironment
        grants.signal = signal || signalFromEnvironment
        for program in list(run, environment["GIZMO_ALLOW_RUN"]) {
            if program.contains("/") && !program.hasPrefix("/") {
                throw ParseError(message: "--allow-run: \(program) must be a program name or an absolute path")
            }
            if !grants.run.contains(program) { grants.run.append(program) }
        }
        for path in list(read, environment["GIZMO_ALLOW_READ"]) {
            guard path.hasPrefix("/") else {
                throw ParseError(message: "--allow-read: \(path) must be an absolute path")
            }
            let standard = URL(fileURLWithPath: path).standardizedFileURL.path
            if !grants.read.contains(standard) { grants.read.append(standard) }
        }
        for text in list(net, environment["GIZMO_ALLOW_NET"]) {
            let grant = try netGrant(text)
            if !grants.net.contains(grant) { grants.net.append(grant) }
        }
        return grants
    }

    /// The non-empty, trimmed items of comma-separated lists.
    private static func list(_ values: [String], _ more: String?) -> [String] {
        (values + (more.map { [$0] } ?? [])).flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    private static func switchOn(_ environment: [String: String], _ name: String) throws(ParseError) -> Bool {
        guard let value = environment[name]?.lowercased(), !value.isEmpty else { return false }
        switch value {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ParseError(message: "\(name)=\(value): use 1 to grant, 0 or empty not to")
        }
    }

    /// `HOST`, `HOST:PORT`, `[IPv6]` or `[IPv6]:PORT`.
    static func netGrant(_ text: String) throws(ParseError) -> NetGrant {
        var host = Substring(text)
        var port: Int?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { throw badHost(text) }
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { throw badHost(text) }
                port = try parsePort(rest.dropFirst(), text)
            }
        } else if let colon = host.firstIndex(of: ":") {
            guard host[host.index(after: colon)...].firstIndex(of: ":") == nil else { throw badHost(text) }
            port = try parsePort(host[host.index(after: colon)...], text)
            host = host[..<colon]
        }
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: ".-_:"))
        guard !host.isEmpty, host.unicodeScalars.allSatisfy({ $0.isASCII && allowed.contains($0) }) else { throw badHost(text) }
        return NetGrant(host: String(host), port: port)
    }

    private static func parsePort(_ text: Substring, _ whole: String) throws(ParseError) -> Int {
        guard let port = Int(text), (1...65535).contains(port) else {
            throw ParseError(message: "--allow-net: \(whole) has no port from 1 to 65535 after the colon")
        }
        return port
    }

    private static func badHost(_ text: String) -> ParseError {
        ParseError(message: "--allow-net: \(text) is not HOST or HOST:PORT")
    }
}
