import Foundation
import GizmoLua

/// A folder of gizmo scripts, as the catalog found it.
public struct GizmoModule: Sendable, Equatable {
    public var name: String
    public var folder: URL
    /// The leading comment of the module's `init.lua` (empty without one).
    public var description: ScriptDoc
    /// Sorted by name.
    public var scripts: [CatalogScript]

    public func script(named name: String) -> CatalogScript? {
        scripts.first { $0.name == name }
    }
}

/// One gizmo script of a module: where it is, its doc, and whether it compiles.
public struct CatalogScript: Sendable, Equatable {
    public var name: String
    public var module: String
    public var file: URL
    /// The path people see: the folder as given on the command line, then
    /// the module and the file (`scripts/some_gizmo_demos/hello_env.lua`).
    public var displayPath: String
    public var doc: ScriptDoc
    /// `file:line: message` when the script does not compile.
    public var syntaxError: String?

    public var isBroken: Bool { syntaxError != nil }

    /// The script as it is on disk now, for a new session.
    public func load() throws(ScriptError) -> Script {
        var script = try Script(contentsOf: file.path)
        script.displayPath = displayPath
        return script
    }
}
