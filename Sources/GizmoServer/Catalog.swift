import Foundation
import GizmoLua
import Synchronization

/// The modules and scripts under the folders given to `serve` and `list`.
///
/// A folder whose top level holds scripts is a module named after the
/// folder; each sub-folder holding scripts is a module of its own name.
/// Scripts are the `.lua` files of a module's top level except `init.lua`
/// (whose leading comment is the module's description), files whose names
/// start with `_` (helpers for `require`) and tests (`*_test.lua`, run by
/// `gizmolua test`, not served). Docs are read as text and scripts
/// are only compiled, never run.
///
/// Every ``scan()`` reads the folders again, so new, changed and deleted
/// files show at once; a file whose size and modification time have not
/// changed is not read or compiled again.
public final class Catalog: Sendable {
    /// The suffix of a gizmo's test files (`gizmolua test`), which are not scripts to serve.
    public static let testSuffix = "_test.lua"
    /// A folder as given on the command line, and where it is.
    public struct Root: Sendable, Equatable {
        public var given: String
        public var url: URL

        /// How a folder `child` of this root is named in notes and paths.
        func display(_ child: String) -> String {
            given == "/" ? "/\(child)" : "\(given)/\(child)"
        }

        /// Whether the folder `child` of this root is a link back to the
        /// root itself (`ln -s . again`): its scripts are the root's.
        func isLinkToItself(_ child: String) -> Bool {
            guard let id = FolderID(url.path) else { return false }
            return FolderID(url.appendingPathComponent(child).path) == id
        }
    }

    /// What one scan found.
    public struct Listing: Sendable, Equatable {
        /// Sorted by name.
        public var modules: [GizmoModule]
        /// Entries that were skipped, for stderr: `scripts/my demo: ...`.
        public var notes: [String]

        public func module(named name: String) -> GizmoModule? {
            modules.first { $0.name == name }
        }

        public var scriptCount: Int { modules.reduce(0) { $0 + $1.scripts.count } }
    }

    public let roots: [Root]
    private let cache = Mutex<[String: CachedFile]>([:])

    private struct CachedFile {
        var stamp: FileStamp
        var doc: ScriptDoc
        var syntaxError: String?
    }

    /// - Throws: ``ScriptError`` when a folder does not exist or is a file.
    public init(folders: [String]) throws(ScriptError) {
        var roots: [Root] = []
        for given in folders {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: given, isDirectory: &isDirectory) else {
                throw ScriptError(message: "gizmolua: \(given): no such folder")
            }
            guard isDirectory.boolValue else {
                throw ScriptError(message: "gizmolua: \(given): is a file, not a folder of gizmo scripts (use `gizmolua run \(given)` for one script)")
            }
            let trimmed = given.count > 1 && given.hasSuffix("/") ? String(given.dropLast()) : given
            roots.append(Root(given: trimmed, url: URL(fileURLWithPath: given).standardizedFileURL))
        }
        self.roots = roots
    }

    /// A name people may type in a URL or a command: letters, digits, `_`,
    /// `-`, `.`, not starting with `.` or `-`.
    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first != ".", first != "-", name.utf8.count <= 100 else { return false }
        return name.unicodeScalars.allSatisfy {
            $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "_-.".unicodeScalars.contains($0))
        }
    }

    /// Reads the folders now.
    /// - Throws: ``ScriptError`` when two folders hold modules of the same name.
    public func scan() throws(ScriptError) -> Listing {
        var modules: [String: GizmoModule] = [:]
        var notes: [String] = []
        for root in roots {
            var found: [GizmoModule] = []
            if let module = readModule(at: root.url, displayFolder: root.given, notes: &notes) {
                found.append(module)
            }
            for child in subfolders(of: root.url) {
                let display = root.display(child)
                if root.isLinkToItself(child) {
                    notes.append("gizmolua: \(display): skipped; it is a link to \(root.given) itself")
                    continue
                }
                if let module = readModule(at: root.url.appendingPathComponent(child), displayFolder: display, notes: &notes) {
                    found.append(module)
                }
            }
            for module in found {
                if let other = modules[module.name] {
                    throw ScriptError(message: "gizmolua: two modules are named \(module.name): \(other.folder.path) and \(module.folder.path)")
                }
                modules[module.name] = module
            }
        }
        forgetFiles(except: Set(modules.values.flatMap { $0.scripts.map(\.file.path) + [$0.folder.appendingPathComponent("init.lua").path] }))
        return Listing(modules: modules.values.sorted { $0.name < $1.name }, notes: notes)
    }

    /// The script `name` of the module `module`, found without reading
    /// the other modules and scripts (a launch needs one): nil when it is
    /// not found so, or when the module's name could be ambiguous (several
    /// candidate folders); the caller then scans, which also says why.
    /// What it finds is what ``scan()`` would list under those names.
    public func script(_ name: String, inModule module: String) -> CatalogScript? {
        let fileName = name + ".lua"
        guard Self.isValidName(module), Self.isValidName(name), Self.isScript(fileName) else { return nil }
        var candidates: [(folder: URL, display: String)] = []
        for root in roots {
            if root.url.lastPathComponent == module { candidates.append((root.url, root.given)) }
            let child = root.url.appendingPathComponent(module)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: child.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                continue
            }
            guard !root.isLinkToItself(module) else { return nil }
            candidates.append((child, root.display(module)))
        }
        guard candidates.count == 1, let (folder, display) = candidates.first else { return nil }
        let file = folder.appendingPathComponent(fileName)
        guard let read = read(file, displayPath: "\(display)/\(fileName)") else { return nil }
        return CatalogScript(name: name, module: module, file: file, displayPath: "\(display)/\(fileName)",
                             doc: read.doc, syntaxError: read.syntaxError)
    }

    /// Whether a file of a module's top level is a script to serve.
    private static func isScript(_ fileName: String) -> Bool {
        fileName.hasSuffix(".lua") && fileName != "init.lua" && !fileName.hasPrefix("_") && !fileName.hasPrefix(".")
            && !fileName.hasSuffix(testSuffix)
    }

    private func subfolders(of url: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.filter { name in
            var isDirectory: ObjCBool = false
            return !name.hasPrefix(".")
                && FileManager.default.fileExists(atPath: url.appendingPathComponent(name).path, isDirectory: &isDirectory)
                && isDirectory.boolValue
        }.sorted()
    }

    /// The module in `folder`, or nil when it holds no scripts.
    private func readModule(at folder: URL, displayFolder: String, notes: inout [String]) -> GizmoModule? {
        guard let names = Self.contents(of: folder, displayFolder: displayFolder, notes: &notes) else { return nil }
        let files = names.filter(Self.isScript).sorted()
        var scripts: [CatalogScript] = []
        let moduleName = folder.lastPathComponent
        for fileName in files {
            let name = String(fileName.dropLast(4))
            let file = folder.appendingPathComponent(fileName)
            let displayPath = "\(displayFolder)/\(fileName)"
            guard Self.isValidName(name) else {
                notes.append("gizmolua: \(displayPath): skipped; a script's name may hold only letters, digits, _, - and .")
                continue
            }
            guard let read = read(file, displayPath: displayPath) else { continue } // a folder named x.lua, or unreadable
            scripts.append(CatalogScript(name: name, module: moduleName, file: file, displayPath: displayPath,
                                         doc: read.doc, syntaxError: read.syntaxError))
        }
        guard !scripts.isEmpty else { return nil }
        guard Self.isValidName(moduleName) else {
            notes.append("gizmolua: \(displayFolder): skipped; a module's name may hold only letters, digits, _, - and .")
            return nil
        }
        let initFile = folder.appendingPathComponent("init.lua")
        let description = read(initFile, displayPath: "\(displayFolder)/init.lua", compile: false)?.doc ?? ScriptDoc(lines: [])
        return GizmoModule(name: moduleName, folder: folder, description: description, scripts: scripts)
    }

    /// The names in a folder; nil, and a note saying why, when it cannot be read.
    private static func contents(of folder: URL, displayFolder: String, notes: inout [String]) -> [String]? {
        guard let directory = opendir(folder.path) else {
            notes.append("gizmolua: \(displayFolder): cannot be read (\(String(cString: strerror(errno)))); it is left out")
            return nil
        }
        closedir(directory)
        return (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    }

    /// The doc and syntax error of a file, from the cache while it is unchanged.
    private func read(_ file: URL, displayPath: String, compile: Bool = true) -> CachedFile? {
        guard let stamp = FileStamp(file) else { return nil }
        if let cached = cache.withLock({ $0[file.path] }), cached.stamp == stamp { return cached }
        guard let data = FileManager.default.contents(atPath: file.path) else { return nil }
        let script = Script(displayPath: displayPath, directory: file.deletingLastPathComponent(),
                            source: String(decoding: data, as: UTF8.self))
        let entry = CachedFile(stamp: stamp, doc: script.doc, syntaxError: compile ? script.syntaxError : nil)
        cache.withLock { $0[file.path] = entry }
        return entry
    }

    private func forgetFiles(except kept: Set<String>) {
        cache.withLock { cache in cache = cache.filter { kept.contains($0.key) } }
    }
}

/// What tells a changed file from an unchanged one without reading it.
struct FileStamp: Equatable {
    var size: Int
    var modified: Date
    var inode: Int

    /// nil when `url` is not a regular file (or a link to one).
    init?(_ url: URL) {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.resolvingSymlinksInPath().path),
              attributes[.type] as? FileAttributeType == .typeRegular
        else { return nil }
        size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        modified = attributes[.modificationDate] as? Date ?? .distantPast
        inode = (attributes[.systemFileNumber] as? NSNumber)?.intValue ?? 0
    }
}
