import Foundation

/// Where a `/connect/<port>/gizmo/(http|ws)/...` request goes: a port on
/// this machine and a path under `/gizmo/` there. Nothing else is a target.
///
/// Each segment after `/gizmo/(http|ws)/` is percent-decoded once, here, and
/// must then be valid UTF-8 without control characters, `/` or `\`, and not
/// `.` or `..`; it is encoded again canonically (everything but letters,
/// digits and `-._~` as `%XX`) and the target is built from that. So the
/// gizmo, and every URL library on the way (AsyncHTTPClient decodes the path
/// to check it, and sends `/` when that fails), read the same path we
/// checked. The query is passed as sent, with only the characters a query
/// may not hold percent-encoded.
struct ConnectTarget: Equatable, Sendable {
    enum Channel: String, Sendable { case http, ws }

    let port: Int
    let channel: Channel
    /// `/gizmo/http/...` or `/gizmo/ws/...`, canonically percent-encoded.
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
                """
                Only /connect/<port>/gizmo/http/... and /connect/<port>/gizmo/ws/... are passed on, \
                each part of the path valid UTF-8 once percent-decoded, without control characters, \
                / or \\, and not . or ..
                """
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
              let first = segments.first, !first.isEmpty
        else { throw .badPath }
        var canonical: [String] = []
        for segment in segments {
            guard let decoded = decodedSegment(segment) else { throw .badPath }
            canonical.append(encoded(decoded))
        }
        return ConnectTarget(port: port, channel: channel,
                             path: "/gizmo/\(channel.rawValue)/" + canonical.joined(separator: "/"),
                             query: query.map(canonicalQuery))
    }

    /// The segment percent-decoded once, or nil when it is malformed (a `%`
    /// without two hex digits), not valid UTF-8 (`%FF`, overlong forms such as
    /// `%C0%AE`), or could be read as leaving its folder or as something else
    /// than a name by a server behind.
    static func decodedSegment(_ segment: Substring) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(segment.utf8.count)
        var utf8 = segment.utf8[...]
        while let byte = utf8.popFirst() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = utf8.popFirst().flatMap(hexValue), let low = utf8.popFirst().flatMap(hexValue) else {
                return nil
            }
            bytes.append(high << 4 | low)
        }
        guard let decoded = String(validating: bytes, as: UTF8.self),
              decoded != ".", decoded != "..",
              !decoded.unicodeScalars.contains(where: isRefusedScalar)
        else { return nil }
        return decoded
    }

    private static func isRefusedScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true  // control characters, NUL among them
        case 0x2F, 0x5C: true                // `/` and `\`: a segment never holds a separator
        default: false
        }
    }

    /// Letters, digits and `-._~` as they are; every other byte as `%XX`.
    static func encoded(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                result += percentEscape(byte)
            }
        }
        return result
    }

    /// The query as sent, but each byte a query may not hold (RFC 3986:
    /// anything but unreserved, sub-delims, `:@/?` and `%XX`) percent-encoded,
    /// so the target URL always parses and holds exactly this query.
    static func canonicalQuery(_ query: String) -> String {
        var result = ""
        result.reserveCapacity(query.utf8.count)
        var utf8 = query.utf8[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%") {
                let next = utf8.prefix(2)
                if next.count == 2, next.allSatisfy({ hexValue($0) != nil }) {
                    result += "%" + String(decoding: next, as: UTF8.self)
                    utf8 = utf8.dropFirst(2)
                } else {
                    result += "%25"
                }
            } else if isUnreserved(byte) || "!$&'()*+,;=:@/?".utf8.contains(byte) {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                result += percentEscape(byte)
            }
        }
        return result
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "_"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    private static func percentEscape(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        return String(decoding: [UInt8(ascii: "%"), digits[Int(byte >> 4)], digits[Int(byte & 0xF)]], as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private var pathAndQuery: String { query.map { "\(path)?\($0)" } ?? path }

    /// Always loopback: no part of the request names a host.
    var httpURL: String { "http://127.0.0.1:\(port)\(pathAndQuery)" }
    var webSocketURL: String { "ws://127.0.0.1:\(port)\(pathAndQuery)" }
}
