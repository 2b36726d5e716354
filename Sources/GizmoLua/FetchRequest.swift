import Foundation
import GizmoGrants

/// A `gz.fetch` call's arguments, checked where they enter: an http(s) URL
/// naming a host, a method that is a word, headers a client may send
/// (no line breaks, no framing or connection headers, bounded), a bounded
/// body and timeout. Each refusal is the message the library raises.
struct FetchRequest: Equatable {
    var url: String
    var scheme: String
    /// Lower-cased, without the brackets of an IPv6 address.
    var host: String
    /// The port the request goes to: the URL's, or the scheme's (80, 443).
    var port: Int
    var method: String
    var headers: [(name: String, value: String)]
    var body: [UInt8]?
    var timeout: Double

    static func == (a: FetchRequest, b: FetchRequest) -> Bool {
        a.url == b.url && a.host == b.host && a.port == b.port && a.method == b.method && a.body == b.body
            && a.timeout == b.timeout && a.headers.map(\.name) == b.headers.map(\.name)
            && a.headers.map(\.value) == b.headers.map(\.value)
    }

    static let maxURL = 8 << 10
    static let maxHeaders = 64
    static let maxHeaderBytes = 64 << 10
    static let maxBody = 16 << 20
    static let defaultTimeout = 30.0
    static let maxTimeout = 300.0

    /// Headers the client itself writes: the body's framing and the
    /// connection's; a script's own would let it split one request in two.
    static let clientHeaders: Set<String> = [
        "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "trailer",
        "proxy-connection", "host",
    ]

    struct Refusal: Error, Equatable {
        var message: String
        init(_ message: String) { self.message = "gz.fetch: " + message }
    }

    /// - Parameters:
    ///   - headerLines: `name:value` lines joined by `\n` (fetch.lua's form of the headers table).
    init(url: String, method: String?, headerLines: String?, body: [UInt8]?, timeout: Double?) throws(Refusal) {
        guard url.utf8.count <= Self.maxURL else { throw Refusal("the URL is longer than \(Self.maxURL) bytes") }
        guard !url.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }),
              let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased() else {
            throw Refusal("\(Self.quoted(url)) is not a URL (write it as http://host:port/path, without spaces)")
        }
        guard scheme == "http" || scheme == "https" else {
            throw Refusal("only http and https URLs can be fetched, not \(Self.quoted(scheme + ":"))")
        }
        var host = parsed.host ?? ""
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw Refusal("\(Self.quoted(url)) names no host") }
        let port = parsed.port ?? (scheme == "https" ? 443 : 80)
        guard (1...65535).contains(port) else { throw Refusal("\(Self.quoted(url)) names port \(port), which is no port") }
        self.url = url
        self.scheme = scheme
        self.host = host.lowercased()
        self.port = port

        let method = method ?? "GET"
        guard (1...20).contains(method.count), method.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw Refusal("the method must be a word of letters (GET, POST, ...), not \(Self.quoted(method))")
        }
        self.method = method

        var headers: [(name: String, value: String)] = []
        var total = 0
        for line in (headerLines ?? "").split(separator: "\n", omittingEmptySubsequences: true) {
            guard let colon = line.firstIndex(of: ":") else { throw Refusal("a header must be a name and a value") }
            let name = String(line[..<colon])
            let value = String(line[line.index(after: colon)...])
            guard !name.isEmpty, name.utf8.count <= 256, name.utf8.allSatisfy(Self.isTokenByte) else {
                throw Refusal("\(Self.quoted(name)) is not a header name (letters, digits and !#$%&'*+-.^_`|~)")
            }
            guard !Self.clientHeaders.contains(name.lowercased()) else {
                throw Refusal("the \(name) header is the HTTP client's to write, not the script's")
            }
            guard value.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x7F || $0 == 0x09 }) else {
                throw Refusal("the value of the \(name) header holds a line break or another control character")
            }
            total += name.utf8.count + value.utf8.count
            headers.append((name, value))
        }
        guard headers.count <= Self.maxHeaders else { throw Refusal("more than \(Self.maxHeaders) headers") }
        guard total <= Self.maxHeaderBytes else { throw Refusal("the headers hold more than \(Self.maxHeaderBytes >> 10) KiB") }
        self.headers = headers

        guard (body?.count ?? 0) <= Self.maxBody else {
            throw Refusal("the body holds more than \(Self.maxBody >> 20) MiB")
        }
        self.body = body

        let timeout = timeout ?? Self.defaultTimeout
        guard timeout > 0, timeout <= Self.maxTimeout else {
            throw Refusal("the timeout must be a number of seconds above 0 and at most \(Int(Self.maxTimeout))")
        }
        self.timeout = timeout
    }

    /// nil when the grants let the script reach the URL's host and port.
    func refusal(_ grants: Grants) -> String? {
        grants.refusalToReach(host: host, port: port, api: "gz.fetch")
    }

    /// RFC 9110's `tchar`.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    private static func quoted(_ text: String) -> String {
        "\"" + LogText.escaped(text, limit: 200) + "\""
    }
}
