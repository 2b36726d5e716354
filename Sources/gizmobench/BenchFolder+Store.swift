import Foundation

/// The scripts of the fan-out row: pages watching one key of the module's
/// store (`gz.store`), and a driver whose clicks set it.
extension BenchFolder {
    /// The store key they share.
    static let storeKey = "tick"

    /// Shows "tick N", N the key's value, from its watch: every change of the
    /// key reaches this page as a frame with the new number.
    static let storeWatcher = "store_watcher"
    static let storeWatcherSource = """
        -- Written by gizmobench: a page that shows the store's "\(storeKey)" as it changes.
        local gz = require("gizmo")
        local text = gz.Text("tick none")
        gz.store.watch("\(storeKey)", function(v) text:text("tick " .. tostring(v)) end)
        text:show()

        """

    /// A button whose click sets the key to the click's `n` (the bench
    /// numbers the changes), then shows "set N": set returns once the change
    /// is durable, so that frame says when the write was done.
    static let storeDriver = "store_driver"
    static let storeDriverSource = """
        -- Written by gizmobench: each click sets the store's "\(storeKey)" to the click's n.
        local gz = require("gizmo")
        local done = gz.Text("set none")
        local button = gz.Button("set", {on_click = function(event)
            gz.store.set("\(storeKey)", event.n)
            done:text("set " .. tostring(event.n))
        end})
        gz.Stack({button, done}):show()

        """

    func writeStoreScripts() throws {
        for (name, source) in [(Self.storeWatcher, Self.storeWatcherSource), (Self.storeDriver, Self.storeDriverSource)] {
            try source.write(to: module.appending(path: "\(name).lua"), atomically: false, encoding: .utf8)
        }
    }
}
