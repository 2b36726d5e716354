import Foundation

/// The writable folder of a script's module, for `gz.data_path`,
/// `gz.write_file` and `gz.read_file`.
///
/// `$GIZMO_DATA_DIR/<module>` when set, else
/// `$XDG_DATA_HOME/gizmolua/<module>` (`~/.local/share/gizmolua/<module>`),
/// where `<module>` is the name of the script's folder. Scripts may write only
/// here, and read here or in their own folder. Every answer is a value or
/// `nil, message`, which the library raises at the script's line.
struct DataFolder {
    let script: Script

    var root: URL {
        let environment = ProcessInfo.processInfo.environment
        let module = script.directory.lastPathComponent
        if let base = environment["GIZMO_DATA_DIR"], !base.isEmpty {
            return URL(fileURLWithPath: base).appendingPathComponent(module)
        }
        let data = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/share")
        return data.appendingPathComponent("gizmolua").appendingPathComponent(module)
    }

    /// `data_path(name)`: the path of `name` in the folder, which it creates.
    func path(_ call: LuaCall) -> LuaCall.Outcome {
        guard let name = call.string(at: 1), SessionResources.isValidName(name), !name.contains("/") else {
            return call.failure("gz.data_path: argument #1 must be a file name (letters, digits, '-', '_', '.')")
        }
        do {
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        } catch {
            return call.failure("gz.data_path: cannot create \(root.path): \(error.localizedDescription)")
        }
        call.push(root.appendingPathComponent(name).path)
        return .returning(1)
    }

    /// `write_file(path, text)`: replaces the file atomically (a temporary file, then a rename).
    func write(_ call: LuaCall) -> LuaCall.Outcome {
        guard let path = call.string(at: 1), let bytes = call.bytes(at: 2) else {
            return call.failure("gz.write_file: give a path (from gz.data_path) and a string")
        }
        let file = URL(fileURLWithPath: path).standardizedFileURL
        guard file.isInside(root) else {
            return call.failure("gz.write_file: \(path) is outside the data folder \(root.path); use gz.data_path(name)")
        }
        do {
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: file, options: .atomic)
        } catch {
            return call.failure("gz.write_file: cannot write \(path): \(error.localizedDescription)")
        }
        call.push(true)
        return .returning(1)
    }

    /// `read_file(path)`: the text of a file in the data folder or the script's folder.
    func read(_ call: LuaCall) -> LuaCall.Outcome {
        guard let path = call.string(at: 1) else { return call.failure("gz.read_file: argument #1 must be a path") }
        let file = (path.hasPrefix("/") ? URL(fileURLWithPath: path)
            : script.directory.appendingPathComponent(path)).standardizedFileURL
        guard file.isInside(root) || file.isInside(script.directory) else {
            return call.failure("gz.read_file: \(path) is outside the data folder and the script's folder")
        }
        guard let data = FileManager.default.contents(atPath: file.path) else {
            return call.failure("gz.read_file: no file \(path)")
        }
        call.push(String(decoding: data, as: UTF8.self))
        return .returning(1)
    }
}
