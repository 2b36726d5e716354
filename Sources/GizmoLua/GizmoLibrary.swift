/// The session runtime (Resources/runtime.lua, the entry chunk) and the
/// chunks it loads by name: its own parts (sandbox, scheduler, page,
/// components, gizmo) and the library's parts loaded on first use (plot,
/// inputs, bridge, proxies, extras, store, live, files, fetch, process,
/// mistakes). All are
/// compiled once per process; each
/// session loads bytecode instead of parsing.
enum GizmoLibrary {
    static let chunkName = "@gizmo/runtime.lua"

    static let bytecode: [UInt8] = compile(PackageResources.runtime_lua, chunkName: chunkName)

    /// Chunks by name, for the runtime's `host.library(name)`.
    static let parts: [String: [UInt8]] = [
        "sandbox": compile(PackageResources.sandbox_lua, chunkName: "@gizmo/sandbox.lua"),
        "scheduler": compile(PackageResources.scheduler_lua, chunkName: "@gizmo/scheduler.lua"),
        "page": compile(PackageResources.page_lua, chunkName: "@gizmo/page.lua"),
        "components": compile(PackageResources.components_lua, chunkName: "@gizmo/components.lua"),
        "gizmo": compile(PackageResources.gizmo_lua, chunkName: "@gizmo/gizmo.lua"),
        "plot": compile(PackageResources.plot_lua, chunkName: "@gizmo/plot.lua"),
        "inputs": compile(PackageResources.inputs_lua, chunkName: "@gizmo/inputs.lua"),
        "bridge": compile(PackageResources.bridge_lua, chunkName: "@gizmo/bridge.lua"),
        "proxies": compile(PackageResources.proxies_lua, chunkName: "@gizmo/proxies.lua"),
        "extras": compile(PackageResources.extras_lua, chunkName: "@gizmo/extras.lua"),
        "store": compile(PackageResources.store_lua, chunkName: "@gizmo/store.lua"),
        "live": compile(PackageResources.live_lua, chunkName: "@gizmo/live.lua"),
        "files": compile(PackageResources.files_lua, chunkName: "@gizmo/files.lua"),
        "fetch": compile(PackageResources.fetch_lua, chunkName: "@gizmo/fetch.lua"),
        "process": compile(PackageResources.process_lua, chunkName: "@gizmo/process.lua"),
        "mistakes": compile(PackageResources.mistakes_lua, chunkName: "@gizmo/mistakes.lua"),
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
