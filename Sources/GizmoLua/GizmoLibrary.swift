/// The `gizmo` library and session runtime (Resources/gizmo.lua), compiled
/// once per process; each session loads the bytecode instead of parsing.
enum GizmoLibrary {
    static let chunkName = "@gizmo.lua"

    static let bytecode: [UInt8] = {
        do {
            let state = try LuaState(memoryLimit: 0)
            try state.load(source: String(decoding: PackageResources.gizmo_lua, as: UTF8.self),
                           chunkName: chunkName)
            return try state.dump()
        } catch {
            fatalError("the built-in gizmo library does not compile: \(error)")
        }
    }()
}
