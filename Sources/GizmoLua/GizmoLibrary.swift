/// The `gizmo` library and session runtime (Resources/gizmo.lua), and the
/// parts loaded on first use (Resources/plot.lua, inputs.lua, bridge.lua,
/// proxies.lua, extras.lua),
/// compiled once per process;
/// each session loads bytecode instead of parsing.
enum GizmoLibrary {
    static let chunkName = "@gizmo.lua"

    static let bytecode: [UInt8] = compile(PackageResources.gizmo_lua, chunkName: chunkName)

    /// Parts by name, for the runtime's `host.library(name)`.
    static let parts: [String: [UInt8]] = [
        "plot": compile(PackageResources.plot_lua, chunkName: "@gizmo/plot.lua"),
        "inputs": compile(PackageResources.inputs_lua, chunkName: "@gizmo/inputs.lua"),
        "bridge": compile(PackageResources.bridge_lua, chunkName: "@gizmo/bridge.lua"),
        "proxies": compile(PackageResources.proxies_lua, chunkName: "@gizmo/proxies.lua"),
        "extras": compile(PackageResources.extras_lua, chunkName: "@gizmo/extras.lua"),
    ]

    private static func compile(_ source: [UInt8], chunkName: String) -> [UInt8] {
        do {
            let state = try LuaState(memoryLimit: 0)
            try state.load(source: String(decoding: source, as: UTF8.self), chunkName: chunkName)
            return try state.dump(strip: true)
        } catch {
            fatalError("the built-in library \(chunkName) does not compile: \(error)")
        }
    }
}
