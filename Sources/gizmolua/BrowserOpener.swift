import Foundation

/// Opens a link in the person's browser, where one can be opened: never
/// through a shell, and quietly not at all on a machine without a display.
enum BrowserOpener {
    static func open(_ link: String) -> Bool {
        let environment = ProcessInfo.processInfo.environment
        #if os(macOS)
        let candidates = ["/usr/bin/open"]
        #else
        guard environment["DISPLAY"] != nil || environment["WAYLAND_DISPLAY"] != nil else { return false }
        let candidates = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map { "\($0)/xdg-open" }
        #endif
        guard let opener = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            return false
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: opener)
        process.arguments = [link]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
            return true
        } catch {
            return false
        }
    }
}
