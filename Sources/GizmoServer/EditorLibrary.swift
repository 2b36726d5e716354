import Foundation

/// Where the annotated Lua library is on this machine, for the
/// `.luarc.json` of a new module: LuaLS reads the `---@` annotations there.
///
/// `make install` copies it to `PREFIX/share/gizmolua/lua` beside
/// `PREFIX/bin/gizmolua`; a binary run from its build folder finds the
/// source tree it was built from instead (its path is known at build time).
public enum EditorLibrary {
    /// The installed library beside `binary` (`<binary's folder>/../share/gizmolua/lua`)
    /// when it exists, else `sourceTree`'s `Sources/GizmoLua/Resources` when
    /// that exists, else nil.
    public static func locate(binary: URL?, sourceTree: URL? = defaultSourceTree) -> URL? {
        var candidates: [URL] = []
        if let binary {
            candidates.append(binary.resolvingSymlinksInPath().deletingLastPathComponent()
                .appendingPathComponent("../share/gizmolua/lua").standardizedFileURL)
        }
        if let sourceTree {
            candidates.append(sourceTree.appendingPathComponent("Sources/GizmoLua/Resources").standardizedFileURL)
        }
        return candidates.first { url in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: url.appendingPathComponent("gizmo.lua").path,
                                                  isDirectory: &isDirectory) && !isDirectory.boolValue
        }
    }

    /// The running binary, as the kernel knows it (a link on the PATH resolved).
    public static var runningBinary: URL? {
        guard let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        return URL(fileURLWithPath: path)
    }

    /// The repository this file was compiled from: Sources/GizmoServer/ is two folders down.
    public static let defaultSourceTree: URL? = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}
