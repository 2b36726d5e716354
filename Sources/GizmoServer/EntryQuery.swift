import Foundation

/// What a request to the entry pages (`/`) asks for, checked.
///
/// `module` and `script` pick a page or launch a session; `server` + `port`
/// or `prefix` (as in H5Gizmos' GizmoLink) say how the browser reaches this
/// server, which only shapes what the pages show (the
/// `export GIZMO_LINK_PREFIX=...` line) and is carried along their links.
/// Redirects never use them: they stay relative.
struct EntryQuery {
    var module: String?
    var script: String?
    /// How the browser reaches this server, from `prefix` or `server` + `port`;
    /// nil when the request did not say.
    var linkPrefix: String?
    /// What the pages show when the request named no prefix: `http://HOST/`
    /// from the request's Host header (the page corrects it from its own
    /// address when scripts run).
    var hostPrefix = "http://localhost:9898/"
    /// `server`, `port` and `prefix` as they came, to carry on links.
    var carried: [(String, String)] = []

    /// A request that cannot be understood: a 400 with this message.
    struct Invalid: Error, Equatable {
        var message: String
    }

    /// - Parameter parameters: the decoded query parameters, first value of each name.
    init(_ parameters: [String: String]) throws(Invalid) {
        func value(_ name: String) -> String? {
            guard let raw = parameters[name], !raw.isEmpty else { return nil }
            return raw
        }
        module = value("module")
        script = value("script")
        if script != nil && module == nil {
            throw Invalid(message: "A script needs its module: ?module=MODULE&script=SCRIPT.")
        }
        if let prefix = value("prefix") {
            guard let normalized = Self.checkedPrefix(prefix) else {
                throw Invalid(message: "prefix must be an http:// or https:// address, such as http://localhost:9898/.")
            }
            linkPrefix = normalized
            carried.append(("prefix", prefix))
        } else if let server = value("server") {
            guard Self.isHostName(server) else {
                throw Invalid(message: "server must be a host name or address, such as localhost or 127.0.0.1.")
            }
            carried.append(("server", server))
            if let port = value("port") {
                guard port.utf8.count <= 5, port.allSatisfy(\.isASCIIDigit), let number = Int(port), (1...65535).contains(number) else {
                    throw Invalid(message: "port must be a number from 1 to 65535.")
                }
                carried.append(("port", port))
                linkPrefix = "http://\(server):\(number)/"
            } else {
                linkPrefix = "http://\(server)/"
            }
        } else if value("port") != nil {
            throw Invalid(message: "port needs server: ?server=HOST&port=PORT.")
        }
    }

    /// The query string for a link to another entry page: `module` and
    /// `script` when given, then what this request carried.
    func link(module: String? = nil, script: String? = nil) -> String {
        var pairs: [(String, String)] = []
        if let module { pairs.append(("module", module)) }
        if let script { pairs.append(("script", script)) }
        pairs += carried
        guard !pairs.isEmpty else { return "./" }
        return "./?" + pairs.map { "\($0)=\(Self.percentEncoded($1))" }.joined(separator: "&")
    }

    static func percentEncoded(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// A host name, an IPv4 address or a bracketed IPv6 address; nothing a
    /// URL or an HTML attribute could be bent by.
    static func isHostName(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 253 else { return false }
        if text.hasPrefix("[") && text.hasSuffix("]") {
            return text.dropFirst().dropLast().allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
        }
        return text.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "." || $0 == "-" }
    }

    /// A Host header's value: a host name or address with an optional port.
    static func isHostAndPort(_ text: String) -> Bool {
        var host = Substring(text)
        if let colon = text.lastIndex(of: ":"), !text.hasSuffix("]") {
            let port = text[text.index(after: colon)...]
            guard !port.isEmpty, port.count <= 5, port.allSatisfy(\.isASCIIDigit) else { return false }
            host = text[..<colon]
        }
        return isHostName(String(host))
    }

    /// An http(s) address with a host, ending in `/`; nil for anything else.
    static func checkedPrefix(_ text: String) -> String? {
        guard text.utf8.count <= 2048,
              text.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7f && !"\"'<>\\`".unicodeScalars.contains($0) }),
              let components = URLComponents(string: text),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty,
              components.query == nil, components.fragment == nil
        else { return nil }
        return text.hasSuffix("/") ? text : text + "/"
    }
}

