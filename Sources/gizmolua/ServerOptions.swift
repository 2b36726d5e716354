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

    @Option(name: .customLong("allow-host"), help: ArgumentHelp(
        "Host names this server answers to besides its own, comma-separated; * for any.",
        discussion: """
        IP addresses, localhost, the --host name, GIZMO_USE_SERVER_ADDRESS and, on all interfaces, this \
        machine's name are always allowed; behind a proxy that passes the public name on, allow that name. \
        * allows any name: only behind a proxy that checks Host itself. Also GIZMO_ALLOW_HOST.
        """, valueName: "name"))
    var allowHost: [String] = []

    @Flag(name: .customLong("no-token"), help: ArgumentHelp(
        "Ask no token, even when listening beyond loopback (also GIZMO_TOKEN set empty).",
        discussion: "Beyond loopback, anyone who can reach the port can then use every gizmo here."))
    var noToken = false

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

    /// The Host names and the token of this server, from these options and
    /// the environment (`GIZMO_TOKEN`, `GIZMO_ALLOW_HOST`).
    /// - Parameter behindProxy: the link goes through another server (`GIZMO_LINK_PREFIX`).
    /// - Throws: the one line to print for a bad `GIZMO_TOKEN` or host name.
    func access(behindProxy: Bool = false) throws -> ServerAccess {
        do throws(ServerAccess.Refusal) {
            return try ServerAccess.resolve(bindHost: bindHost, environment: ProcessInfo.processInfo.environment,
                                            allowHosts: allowHost, noToken: noToken, behindProxy: behindProxy)
        } catch {
            throw Terminal.fail(error.message)
        }
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
