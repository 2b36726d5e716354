import Foundation
import GizmoLua

/// The module `gizmolua new NAME` makes: a folder NAME holding `init.lua`
/// (the description, and a service example left commented out), `NAME.lua`
/// (a small working gizmo with its doc), `NAME_test.lua` (its tests, for
/// `gizmolua test`) and `.luarc.json` (so LuaLS completes the API).
///
/// It never overwrites: the folder may exist only when empty, and each file
/// is created with `O_EXCL`, so a file that appears meanwhile (or a link
/// planted there) stops it instead of being written through.
public struct ModuleTemplate: Sendable {
    public let name: String
    /// The Lua library folder the editor reads (``EditorLibrary``); nil when
    /// none was found, and `.luarc.json` then names none.
    public let library: URL?

    /// - Throws: ``ScriptError`` saying what a name may hold, when `name` may not be one.
    public init(name: String, library: URL?) throws(ScriptError) {
        if let problem = Self.problem(with: name) {
            throw ScriptError(message: "gizmolua: \(problem)")
        }
        self.name = name
        self.library = library
    }

    /// What is wrong with `name` as a new module's (and its script's) name, or nil.
    ///
    /// The catalog's rule for module and script names (letters, digits, `_`,
    /// `-`, `.`, not starting with `.` or `-`, at most 100 bytes), and what
    /// would make the catalog or `gizmolua test` take the script for
    /// something else: `init` (the module's service), a leading `_` (a
    /// helper, not listed), a `_test` ending (a test file).
    public static func problem(with name: String) -> String? {
        let allowed = "a module's name may hold letters, digits, _, - and . (at most 100), "
            + "not start with ., - or _, and not be init or end in _test"
        let shown = name.count > 100 ? String(name.prefix(100)) + "..." : name
        if name.isEmpty { return "give the module a name: \(allowed)" }
        guard Catalog.isValidName(name), !name.hasPrefix("_"), name != "init", !name.hasSuffix("_test") else {
            return "\(ShellWord.quoted(shown)) cannot be a module's name: \(allowed)"
        }
        return nil
    }

    /// The files, in the order they are made and listed: name in the folder,
    /// contents, and what it is for (the listing `new` prints).
    public var files: [(name: String, text: String, purpose: String)] {
        [
            ("init.lua", initText, "the module's description (and its service, commented out)"),
            ("\(name).lua", scriptText, "the gizmo: a button that counts its clicks"),
            ("\(name)_test.lua", testText, "its tests, run by gizmolua test"),
            (".luarc.json", editorSettings, library == nil
                ? "editor settings (no gizmo library found to point them at: run make install)"
                : "editor settings: LuaLS completes the gizmo API from \(library!.path)"),
        ]
    }

    /// Makes `folder/NAME` and the files; answers the folder made.
    /// - Throws: ``ScriptError`` when `folder` does not exist, when
    ///   `folder/NAME` exists and is not an empty folder, or when a file
    ///   cannot be made (what was made is then removed again).
    @discardableResult
    public func make(in folder: URL, displayFolder: String) throws(ScriptError) -> URL {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ScriptError(message: "gizmolua: \(displayFolder): no such folder (make it first, or leave out --in)")
        }
        let module = folder.appendingPathComponent(name)
        let display = Self.join(displayFolder, name)
        var madeFolder = true
        if mkdir(module.path, 0o755) != 0 {
            let reason = errno
            guard reason == EEXIST, Self.isEmptyFolder(module) else {
                throw ScriptError(message: reason == EEXIST
                    ? "gizmolua: \(display) already exists; nothing was changed (choose another name, or --in another folder)"
                    : "gizmolua: cannot make \(display): \(String(cString: strerror(reason)))")
            }
            madeFolder = false
        }
        var made: [URL] = []
        for file in files {
            let url = module.appendingPathComponent(file.name)
            if let failure = Self.create(url, text: file.text) {
                for url in made { unlink(url.path) }
                if madeFolder { rmdir(module.path) }
                throw ScriptError(message: "gizmolua: cannot make \(Self.join(display, file.name)): \(failure); nothing was left behind")
            }
            made.append(url)
        }
        return module
    }

    /// `folder/name` as people typed the folder (`.` left out).
    public static func join(_ folder: String, _ name: String) -> String {
        folder == "." ? name : folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }

    /// A real folder (not a link to one) with nothing in it.
    private static func isEmptyFolder(_ url: URL) -> Bool {
        var status = stat()
        guard lstat(url.path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else { return false }
        return (try? FileManager.default.contentsOfDirectory(atPath: url.path).isEmpty) == true
    }

    /// Writes a new file; nil, or why not (an existing file or link included).
    private static func create(_ url: URL, text: String) -> String? {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return String(cString: strerror(errno)) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return String(cString: strerror(errno))
            }
            written += n
        }
        return nil
    }
}
