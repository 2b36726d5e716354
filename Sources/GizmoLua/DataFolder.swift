import Foundation
import GizmoGrants

/// The writable folder of a script's module, for `gz.data_path`,
/// `gz.write_file` and `gz.read_file`.
///
/// `$GIZMO_DATA_DIR/<module>` when set, else
/// `$XDG_DATA_HOME/gizmolua/<module>` (`~/.local/share/gizmolua/<module>`),
/// where `<module>` is the name of the script's folder. Scripts may write only
/// here, and read here or in their own folder. Every answer is a value or
/// `nil, message`, which the library raises at the script's line.
public struct DataFolder {
    let script: Script
    /// Where module folders are, instead of the environment's (for tests).
    var base: URL? = nil
    /// What `--allow-read` grants beyond the two folders.
    var grants: Grants = .none

    var root: URL {
        if let base { return base.appendingPathComponent(module) }
        return Self.root(module: module)
    }

    /// The data folder of the module named `module`, from the environment:
    /// where its sessions, its service and `POST /push/` find its store.
    public static func root(module: String) -> URL {
        let environment = ProcessInfo.processInfo.environment
        if let base = environment["GIZMO_DATA_DIR"], !base.isEmpty {
            return URL(fileURLWithPath: base).appendingPathComponent(module)
        }
        let data = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/share")
        return data.appendingPathComponent("gizmolua").appendingPathComponent(module)
    }

    private var module: String { script.directory.lastPathComponent }

    /// The largest file `read_file` reads: a file is read whole into one
    /// Lua string, so a log of gigabytes must not be.
    static let readLimit = 16 << 20

    // MARK: From Lua

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
        removeStaleTemporaryFilesOnFirstUse()
        call.push(root.appendingPathComponent(name).path)
        return .returning(1)
    }

    /// `write_file(path, text)`: replaces the file atomically.
    func write(_ call: LuaCall) -> LuaCall.Outcome {
        guard let path = call.string(at: 1), let bytes = call.bytes(at: 2) else {
            return call.failure("gz.write_file: give a path (from gz.data_path) and a string")
        }
        if let failure = write(bytes, to: path) { return call.failure(failure) }
        call.push(true)
        return .returning(1)
    }

    // MARK: The work

    /// A message for the script.
    struct Failure: Error, Equatable {
        var message: String
    }

    /// Writes `bytes` to `path` in the folder: a reader sees the old or the
    /// new contents, never a part; nil, or why it failed.
    func write(_ bytes: [UInt8], to path: String) -> String? {
        let file = URL(fileURLWithPath: path).standardizedFileURL
        guard file.isInside(root) else {
            return "gz.write_file: \(path) is outside the data folder \(root.path); use gz.data_path(name)"
        }
        removeStaleTemporaryFilesOnFirstUse()
        do {
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            return "gz.write_file: cannot write \(path): \(error.localizedDescription)"
        }
        do {
            try Self.replace(file, with: bytes, inside: root)
        } catch {
            return "gz.write_file: cannot write \(path): \(error.message)"
        }
        return nil
    }

    /// Who may read what: the script's folder, this folder, the grants.
    var readable: ReadableFiles {
        ReadableFiles(scriptFolder: script.directory, dataFolder: root, grants: grants)
    }

    /// The bytes of the file at `path` (relative to the script's folder),
    /// which must lie, resolved when it is opened, in the data folder, the
    /// script's folder or a folder `--allow-read` grants. Whole, it must hold
    /// at most ``readLimit`` bytes; a `range` reads `size` bytes from
    /// `offset` (fewer at the end of the file), whatever the file's size.
    func read(_ path: String, range: (offset: Int, size: Int)? = nil) -> Result<[UInt8], Failure> {
        let readable = self.readable
        let absolute = readable.absolute(path)
        removeStaleTemporaryFilesOnFirstUse()
        do throws(ConfinedFile.Refusal) {
            let opened = try readable.open(absolute)
            if let range { return .success(try opened.read(at: range.offset, count: min(range.size, Self.readLimit))) }
            guard opened.size <= Self.readLimit else { return .failure(Self.tooLarge(path, opened.size)) }
            // At most one byte past the limit, so a file growing meanwhile is caught, not read whole.
            let bytes = try opened.read(at: 0, count: Self.readLimit + 1)
            guard bytes.count <= Self.readLimit else { return .failure(Self.tooLarge(path, nil)) }
            return .success(bytes)
        } catch {
            let message = switch error {
            case .missing: "gz.read_file: no file \(path)"
            case .outside: "gz.read_file: \(path) is outside the data folder and the script's folder; "
                + "start gizmolua with --allow-read=\(ReadableFiles.location(absolute) ?? absolute) to read it"
            case .notAFile: "gz.read_file: \(path) is not a file"
            case .unreadable(let reason): "gz.read_file: cannot read \(path): \(reason)"
            }
            return .failure(Failure(message: message))
        }
    }

    private static func tooLarge(_ path: String, _ size: Int?) -> Failure {
        let held = size.map { String(format: "holds %.1f MiB", Double($0) / Double(1 << 20)) } ?? "grew past that while it was read"
        return Failure(message: """
            gz.read_file: \(path) \(held); gz.read_file reads files up to \(readLimit >> 20) MiB. \
            Serve a large file with add_content, or read a smaller one
            """)
    }
}
