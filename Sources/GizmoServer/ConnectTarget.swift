import Foundation

/// Where a `/connect/<port>/gizmo/(http|ws)/...` request goes: a port on
/// this machine and a path under `/gizmo/` there. Nothing else is a target.
///
/// The path is kept as the browser sent it (percent-encoded), so the gizmo
/// sees the same path it would see without the proxy; only its shape is
/// checked.
struct ConnectTarget: Equatable, Sendable {
    enum Channel: String, Sendable { case http, ws }

    let port: Int
    let channel: Channel
    /// `/gizmo/http/...` or `/gizmo/ws/...`, percent-encoded as received.
    let path: String
    let query: String?

    /// Why a `/connect/` address is refused (a 400 page shows the message).
    enum Refusal: Error, Equatable {
        case notConnect
        case badPort(String)
        case badPath

        var message: String {
            switch self {
            case .notConnect:
                "Proxied addresses start with /connect/<port>/gizmo/http/ or /connect/<port>/gizmo/ws/."
            case .badPort(let raw):
                "“\(raw)” is not a port: /connect/ needs a number from 1 to 65535."
            case .badPath:
                "Only /connect/<port>/gizmo/http/... and /connect/<port>/gizmo/ws/... are passed on, without . or .. segments or encoded slashes."
            }
        }
    }

    /// Parses a request's raw path and query.
    static func parse(path: String, query: String?) throws(Refusal) -> ConnectTarget {
        var segments = path.split(separator: "/", omittingEmptySubsequences: false)[...]
        guard segments.popFirst() == "", segments.popFirst() == "connect", let rawPort = segments.popFirst() else {
            throw .notConnect
        }
        guard (1...5).contains(rawPort.count), rawPort.allSatisfy(\.isASCIIDigit),
              let port = Int(rawPort), (1...65535).contains(port)
        else { throw .badPort(String(rawPort.prefix(20))) }
        guard segments.popFirst() == "gizmo",
              let channel = segments.popFirst().flatMap({ Channel(rawValue: String($0)) }),
              let first = segments.first, !first.isEmpty,
              segments.allSatisfy(isPlainSegment)
        else { throw .badPath }
        let rest = segments.joined(separator: "/")
        return ConnectTarget(port: port, channel: channel, path: "/gizmo/\(channel.rawValue)/\(rest)", query: query)
    }

    /// Not `.` or `..` (even percent-encoded), and no encoded `/` or `\`, so
    /// no server behind can read the path as leaving `/gizmo/`.
    private static func isPlainSegment(_ segment: Substring) -> Bool {
        let lowered = segment.lowercased()
        if lowered.contains("%2f") || lowered.contains("%5c") || lowered.contains("\\") { return false }
        let decoded = lowered.replacingOccurrences(of: "%2e", with: ".")
        return decoded != "." && decoded != ".."
    }

    private var pathAndQuery: String { query.map { "\(path)?\($0)" } ?? path }

    /// Always loopback: no part of the request names a host.
    var httpURL: String { "http://127.0.0.1:\(port)\(pathAndQuery)" }
    var webSocketURL: String { "ws://127.0.0.1:\(port)\(pathAndQuery)" }
}
