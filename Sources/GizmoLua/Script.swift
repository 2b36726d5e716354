import Foundation

/// A gizmo script on disk: its text and where it is, for messages and `require`.
public struct Script: Sendable {
    /// The path shown in messages (`scripts/demo/hello.lua:3: ...`).
    public var displayPath: String
    /// The folder `require` may load modules from.
    public var directory: URL
    public var source: String

    public init(displayPath: String, directory: URL, source: String) {
        self.displayPath = displayPath
        self.directory = directory
        self.source = source
    }

    /// Reads a script file; a missing or unreadable file is a ``ScriptError``.
    public init(contentsOf path: String) throws(ScriptError) {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ScriptError(message: "\(path): no such file")
        }
        guard !isDirectory.boolValue else { throw ScriptError(message: "\(path): is a folder, not a script") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ScriptError(message: "\(path): cannot be read")
        }
        self.init(displayPath: path, directory: url.deletingLastPathComponent().standardizedFileURL,
                  source: String(decoding: data, as: UTF8.self))
    }
}

/// A script that cannot start: `file:line: message`.
public struct ScriptError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
