import Foundation

/// A gizmo script on disk: its text and where it is, for messages and `require`.
public struct Script: Sendable {
    /// The path shown in messages (`scripts/demo/hello.lua:3: ...`).
    public var displayPath: String
    /// The folder `require` may load modules from.
    public var directory: URL
    public var source: String
    /// The file the script was read from (standardized), for hot reload;
    /// nil for a script made from text.
    public var file: URL?

    public init(displayPath: String, directory: URL, source: String, file: URL? = nil) {
        self.displayPath = displayPath
        self.directory = directory
        self.source = source
        self.file = file
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
                  source: String(decoding: data, as: UTF8.self), file: url.standardizedFileURL)
    }
}

extension Script {
    /// The script with its text left out: where it is, for a session that
    /// has compiled it (each idle session would otherwise hold a copy).
    public var withoutSource: Script {
        var script = self
        script.source = ""
        return script
    }

    /// The script's leading comment.
    public var doc: ScriptDoc { ScriptDoc(source: source) }

    /// `file:line: message` when the script does not compile; nil when it
    /// does. Only compiles, in a state of its own: nothing of the script runs.
    public var syntaxError: String? {
        do {
            let lua = try LuaState(memoryLimit: 0)
            try lua.load(source: source, chunkName: "@" + displayPath)
            return nil
        } catch {
            return error.message
        }
    }
}

/// A script that cannot start: `file:line: message`.
public struct ScriptError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
