import Foundation

/// The temp folder of a run: `served/bench`, the module the servers serve
/// (copies of the click counter and hello_env, `reload_me.lua`, which the
/// hot-reload measurement rewrites, `spinner.lua`, and the store's watcher and
/// driver of the fan-out row), and `logs`, the servers' output (and the data
/// folders of the runs that write the store), kept out of the watched tree.
struct BenchFolder {
    static let module = "bench"
    let root: URL
    let served: URL
    let module: URL
    let logs: URL

    var reloadScript: URL { module.appending(path: "reload_me.lua") }

    /// Copies the scripts from the package at `packageRoot`.
    init(packageRoot: URL) throws {
        let manager = FileManager.default
        root = manager.temporaryDirectory.appending(path: "gizmobench-\(getpid())").resolvingSymlinksInPath()
        served = root.appending(path: "served")
        module = served.appending(path: Self.module)
        logs = root.appending(path: "logs")
        try? manager.removeItem(at: root)
        try manager.createDirectory(at: module, withIntermediateDirectories: true)
        try manager.createDirectory(at: logs, withIntermediateDirectories: true)
        for source in ["Tests/e2e/gizmos/click_counter.lua", "scripts/some_gizmo_demos/hello_env.lua"] {
            let from = packageRoot.appending(path: source)
            guard manager.fileExists(atPath: from.path) else {
                throw BenchError("\(from.path) is missing: run gizmobench from the package folder or pass --package")
            }
            try manager.copyItem(at: from, to: module.appending(path: from.lastPathComponent))
        }
        try Self.reloadSource(version: 0).write(to: reloadScript, atomically: false, encoding: .utf8)
        try Self.spinnerSource.write(to: module.appending(path: "\(Self.spinner).lua"), atomically: false, encoding: .utf8)
        try writeStoreScripts()
    }

    /// A script whose timer spins until the CPU limit stops it, and again
    /// 10 ms later: each run is scheduled before it spins, so being stopped
    /// cancels nothing.
    static let spinner = "spinner"
    static let spinnerSource = """
        -- Written by gizmobench: a timer that keeps a core busy until the server stops it.
        local gz = require("gizmo")
        gz.Text("spinning"):show()
        local function spin()
            gz.after(0.01, spin)
            while true do end
        end
        gz.after(0, spin)

        """

    static func reloadSource(version: Int) -> String {
        """
        -- Rewritten by gizmobench to time hot reload.
        local gz = require("gizmo")
        gz.Text("version \(version)"):show()

        """
    }

    /// Saves a new version of `reload_me.lua` as an editor does: write a
    /// temp file beside it, then rename it over the script.
    /// - Returns: when it was saved (just before the rename).
    func saveReloadScript(version: Int) throws -> ContinuousClock.Instant {
        let temp = module.appending(path: ".reload_me.lua.tmp")
        try Self.reloadSource(version: version).write(to: temp, atomically: false, encoding: .utf8)
        let saved = ContinuousClock.now
        guard rename(temp.path, reloadScript.path) == 0 else { throw BenchError("rename failed: errno \(errno)") }
        return saved
    }

    func remove() {
        try? FileManager.default.removeItem(at: root)
    }
}
