import Foundation
import GizmoLua
import GizmoStore

/// What `POST /push/<module>/<key>[?append=N]` asks, checked where it enters:
/// the module's name, the key, and whether to set the key or append to it.
/// Anything else is a ``Refusal`` whose one line says what to do.
public struct PushRequest: Equatable, Sendable {
    public enum Write: Equatable, Sendable {
        case set
        /// Append the body as an item of the key's list, which keeps its last `keep` items.
        case append(keep: Int)

        /// Writes `json` (a checked JSON value; `null` deletes a set key)
        /// to `key` of `store`, as a push does, and answers the push's JSON
        /// answer: the version, and an appended item's number. `POST /push/`
        /// and the test harness's `t.push` both write through here.
        public func apply(_ json: String, to key: String, of store: ModuleStore) throws(StoreError) -> String {
            switch self {
            case .set:
                switch try store.set(key, json: json == "null" ? nil : json) {
                case .written(let version): return #"{"version":\#(version)}"#
                case .conflict: return #"{"version":null}"# // no ifVersion: never
                }
            case .append(let keep):
                let appended = try store.append(key, item: json, keep: keep)
                return #"{"seq":\#(appended.seq),"version":\#(appended.version)}"#
            }
        }
    }

    var module: String
    var key: String
    var write: Write

    /// The most levels of nesting a pushed value may have: what `gz.json.decode`
    /// reads, so that every watcher can decode what was stored.
    static let maxDepth = 100

    struct Refusal: Error, Equatable {
        var message: String
    }

    /// - Parameters:
    ///   - path: the request's path as sent (percent-encoded), `/push/...`.
    ///   - query: the request's query string, if any.
    init(path: String, query: String?) throws(Refusal) {
        guard path.hasPrefix("/push/") else { throw Refusal(message: Self.usage) }
        let rest = path.dropFirst("/push/".count)
        guard let slash = rest.firstIndex(of: "/") else { throw Refusal(message: Self.usage) }
        // A module's name is looked up in the catalog, never used as a path;
        // here it only has to decode.
        guard let module = String(rest[..<slash]).removingPercentEncoding, !module.isEmpty else {
            throw Refusal(message: Self.usage)
        }
        self.module = module
        // The key is the rest of the path, decoded once, so it may hold `/`.
        // removingPercentEncoding answers nil for bytes that are not UTF-8.
        guard let key = String(rest[rest.index(after: slash)...]).removingPercentEncoding else {
            throw Refusal(message: "the key is not UTF-8 once percent-decoded; percent-encode the key's UTF-8 bytes")
        }
        guard !key.isEmpty, key.utf8.count <= StoreLimits.keyBytes else {
            throw Refusal(message: "a key must be 1 to \(StoreLimits.keyBytes) bytes of UTF-8, not \(key.utf8.count): POST /push/MODULE/KEY")
        }
        guard !key.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw Refusal(message: "a key must not hold control characters")
        }
        self.key = key
        write = try Self.write(query: query)
    }

    static let usage = "push to /push/MODULE/KEY with a JSON body (add ?append=N to append it to a list keeping N items)"

    private static func write(query: String?) throws(Refusal) -> Write {
        var write = Write.set
        for pair in (query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]).removingPercentEncoding ?? ""
            guard name == "append" else {
                if name == "token" { continue } // the token check's, already checked
                throw Refusal(message: "unknown query parameter \"\(LogText.escaped(String(name.prefix(40))))\"; the only one is append=N")
            }
            let value = parts.count > 1 ? String(parts[1]) : ""
            guard value.utf8.count <= 6, value.allSatisfy(\.isASCII), let keep = Int(value),
                  (1...StoreLimits.maxKeep).contains(keep)
            else {
                throw Refusal(message: "append must be a whole number from 1 to \(StoreLimits.maxKeep) (the items the list keeps), not \"\(LogText.escaped(String(value.prefix(20))))\"")
            }
            write = .append(keep: keep)
        }
        return write
    }

    /// The body's JSON text, or why it is not a value every watcher can
    /// read: UTF-8, one JSON value (a fragment such as `3` or `"up"` too),
    /// nested at most ``maxDepth`` levels, numbers within the double range.
    static func json(from body: [UInt8]) throws(Refusal) -> String {
        guard let text = String(validating: body, as: UTF8.self) else {
            throw Refusal(message: "the body is not UTF-8; send JSON text")
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            throw Refusal(message: "the body is empty; send a JSON value (null deletes the key)")
        }
        // Counted before parsing, so a hostile depth never reaches a recursive parser.
        guard depth(of: trimmed.utf8) <= maxDepth else {
            throw Refusal(message: "the JSON is nested more than \(maxDepth) levels deep")
        }
        do {
            _ = try JSONSerialization.jsonObject(with: Data(trimmed.utf8), options: .fragmentsAllowed)
        } catch {
            let reason = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "it does not parse"
            throw Refusal(message: "the body is not JSON (\(LogText.escaped(String(reason.prefix(200))))); send one JSON value")
        }
        return trimmed
    }

    /// The deepest nesting of arrays and objects, outside strings.
    static func depth(of json: String.UTF8View) -> Int {
        var depth = 0, deepest = 0, inString = false, escaped = false
        for byte in json {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                deepest = max(deepest, depth)
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return deepest
    }
}
