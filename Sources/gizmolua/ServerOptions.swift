import ArgumentParser
import Foundation
import GizmoServer

/// Where `run` and `serve` listen.
struct ServerOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The address to listen on (0.0.0.0 for all interfaces).",
        discussion: "Default: GIZMO_BIND_ADDRESS when set, else 127.0.0.1."))
    var host: String?

    @Option(help: "The port to listen on (default: GIZMO_USE_PORT if free, else the command's default).")
    var port: Int?

    func validate() throws {
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be 0-65535") }
        if let host, host.isEmpty { throw ValidationError("--host must not be empty") }
    }

    /// `--host`, else `GIZMO_BIND_ADDRESS`, else loopback only.
    var bindHost: String {
        if let host { return host }
        if let address = ProcessInfo.processInfo.environment["GIZMO_BIND_ADDRESS"], !address.isEmpty { return address }
        return "127.0.0.1"
    }

    /// `--port` (which must be free), else `GIZMO_USE_PORT` when free (a
    /// note on stderr otherwise), else `fallback`; port 0 lets the server
    /// pick a free port itself, so there is no bind-close-rebind race.
    /// - Throws: the one line to print when the port cannot be used.
    func listenPort(links: LinkSettings, fallback: Int) throws -> Int {
        let host = bindHost
        if let port {
            guard port == 0 || PortProbe.isFree(host: host, port: port) else { throw inUse(port, host: host) }
            return port
        }
        if let wanted = links.usePort {
            if PortProbe.isFree(host: host, port: wanted) { return wanted }
            Terminal.error("gizmolua: GIZMO_USE_PORT=\(wanted) is in use; using a free port")
            return 0
        }
        guard fallback == 0 || PortProbe.isFree(host: host, port: fallback) else { throw inUse(fallback, host: host) }
        return fallback
    }

    private func inUse(_ port: Int, host: String) -> ExitCode {
        Terminal.fail("gizmolua: port \(port) on \(host) is in use (is another gizmolua running?); choose another with --port")
    }
}
