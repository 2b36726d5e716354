import Foundation
import Synchronization

/// Files and bytes a session serves beside its child page
/// (`/gizmo/http/<ID>/<name>`): only what the script registered.
///
/// Written by the session's VM, read by HTTP handlers on other threads.
public final class SessionResources: Sendable {
    public enum Content: Sendable, Equatable {
        /// Read at request time, so a large file never passes through Lua,
        /// and served only while, resolved then, it lies inside `folder`
        /// (the script's folder) as that resolved when the file was
        /// registered. Registered without one, a file is kept to its own folder.
        case file(URL, folder: URL? = nil)
        case bytes([UInt8])
    }

    public struct Resource: Sendable, Equatable {
        public var content: Content
        public var mime: String
    }

    private let table = Mutex<[String: Resource]>([:])

    public init() {}

    public func resource(named name: String) -> Resource? {
        table.withLock { $0[name] }
    }

    /// The names serving one of these files (standardized paths).
    public func names(servingAnyOf paths: Set<String>) -> [String] {
        table.withLock { table in
            table.compactMap { name, resource in
                if case .file(let url, _) = resource.content, paths.contains(url.path) { return name }
                return nil
            }.sorted()
        }
    }

    func register(_ name: String, _ resource: Resource) {
        var resource = resource
        if case .file(let url, let folder) = resource.content {
            let folder = folder ?? url.deletingLastPathComponent()
            resource.content = .file(url, folder: ConfinedFile.realPath(folder.path).map(URL.init(fileURLWithPath:)) ?? folder)
        }
        table.withLock { [resource] in $0[name] = resource }
    }

    /// The file a resource serves, opened now; nil for bytes.
    /// - Throws: ``ConfinedFile/Refusal`` when the file has gone, or now
    ///   lies outside its folder (a symlink swapped in since it was registered).
    public static func open(_ content: Content) throws(ConfinedFile.Refusal) -> ConfinedFile? {
        guard case .file(let url, let folder) = content else { return nil }
        return try ConfinedFile.open(url.path, inside: [folder ?? url.deletingLastPathComponent()], resolved: folder != nil)
    }

    /// The most names one session may serve.
    public static let maxNames = 1000

    /// Whether `name` may be registered: it is already, or there is room.
    func hasRoom(for name: String) -> Bool {
        table.withLock { $0[name] != nil || $0.count < Self.maxNames }
    }

    /// The bytes held under `name` (0 for a file or nothing).
    func byteCount(of name: String) -> Int {
        table.withLock { table in
            if case .bytes(let bytes)? = table[name]?.content { return bytes.count }
            return 0
        }
    }

    /// Names are relative paths of plain segments: no `..`, no `/` at either end,
    /// and not the child page itself.
    static func isValidName(_ name: String) -> Bool {
        guard !name.isEmpty, name != "index.html", name.utf8.count <= 200 else { return false }
        return name.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { segment in
            !segment.isEmpty && segment != "." && segment != ".." && !segment.hasPrefix(".")
                && segment.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
        }
    }

    static func mime(for path: String) -> String {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "html", "htm": "text/html; charset=utf-8"
        case "json": "application/json"
        case "txt", "md", "csv": "text/plain; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "jpg", "jpeg": "image/jpeg"
        case "gif": "image/gif"
        case "webp": "image/webp"
        case "wav": "audio/wav"
        case "mp3": "audio/mpeg"
        case "ogg", "oga": "audio/ogg"
        case "opus": "audio/opus"
        case "mp4": "video/mp4"
        case "webm": "video/webm"
        case "wasm": "application/wasm"
        default: "application/octet-stream"
        }
    }
}
