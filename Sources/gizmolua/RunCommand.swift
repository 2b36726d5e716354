import ArgumentParser
import Foundation
import GizmoLua
import GizmoServer
import Logging
import ServiceLifecycle

/// `gizmolua run FILE.lua`: one gizmo, one session, like `python gizmo.py` in H5Gizmos.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run one gizmo script, print its link and open it in a browser.",
        discussion: """
        The process ends once the page has been closed and not reopened within the grace period.
        Environment: GIZMO_USE_PORT (port to use if free), GIZMO_USE_SERVER_ADDRESS (host name to
        advertise), GIZMO_LINK_PREFIX (advertise PREFIX/connect/PORT/... for a proxy; no browser).
        """
    )

    @Argument(help: "The gizmo script to run.")
    var file: String

    @Flag(name: .customLong("no-browser"), help: "Never open a browser; only print the link.")
    var noBrowser = false

    @Option(help: "The address to listen on (0.0.0.0 for all interfaces).")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (default: GIZMO_USE_PORT if free, else any free port).")
    var port: Int?

    @Option(help: "Seconds the session outlives a closed page, so a reload keeps it.")
    var grace: Double = 3

    @Option(name: .customLong("cpu-limit"), help: "CPU seconds one handler may run without a pause.")
    var cpuLimit: Double = 5

    @Option(name: .customLong("memory-limit"), help: "MiB of memory the script may use.")
    var memoryLimit: Int = 64

    func validate() throws {
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be 0-65535") }
        if grace < 0 { throw ValidationError("--grace must not be negative") }
        if cpuLimit <= 0 { throw ValidationError("--cpu-limit must be positive") }
        if memoryLimit <= 0 { throw ValidationError("--memory-limit must be positive") }
    }

    func run() async throws {
        let logger = Terminal.bootstrapLogging()
        let links = LinkSettings(environment: ProcessInfo.processInfo.environment)
        links.notes.forEach(Terminal.error)

        let script: Script
        do {
            script = try Script(contentsOf: file)
        } catch {
            throw Terminal.fail(error.message)
        }

        let stop = AsyncStream.makeStream(of: Void.self)
        let registry = SessionRegistry(
            configuration: .init(limits: SessionLimits(cpuSeconds: cpuLimit, memoryBytes: memoryLimit << 20),
                                 grace: grace, firstPageTimeout: nil),
            logger: logger
        ) { _ in stop.continuation.yield() }

        let session: Session
        let boot: GizmoVM.BootResult
        do {
            (session, boot) = try await registry.start(script)
        } catch {
            throw Terminal.fail(error.message)
        }
        if let failure = boot.error {
            session.discard()
            throw Terminal.fail(failure)
        }

        let listenPort = try choosePort(links: links)
        let openBrowser = !noBrowser && links.mayOpenBrowser && boot.shownBy != "link"
        let app = GizmoApplication.build(registry: registry, host: host, port: listenPort, logger: logger) { [host] port in
            let link = links.childPageLink(session: session.id, port: port, boundHost: host)
            Terminal.out("gizmolua: \(script.displayPath) is running; open this link in a browser:")
            Terminal.out(" GIZMO_LINK: \(link) ")
            if openBrowser && !BrowserOpener.open(link) {
                Terminal.error("gizmolua: no browser could be opened here; open the link above")
            }
        }
        let group = ServiceGroup(configuration: .init(
            services: [app, SessionService(registry: registry, exitDeadline: .seconds(1), logger: logger)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            // The session ending (its page gone for the grace period) stops the server.
            tasks.addTask {
                for await _ in stop.stream {
                    await group.triggerGracefulShutdown()
                    break
                }
            }
            do {
                try await group.run()
            } catch {
                throw Terminal.fail("gizmolua: could not serve on \(host):\(listenPort): \(error)")
            }
            stop.continuation.finish()
        }
    }

    /// `--port`, else `GIZMO_USE_PORT` when free (a note otherwise), else any free port.
    private func choosePort(links: LinkSettings) throws -> Int {
        if let port { return port }
        guard let wanted = links.usePort else { return 0 }
        if PortProbe.isFree(host: host, port: wanted) { return wanted }
        Terminal.error("gizmolua: GIZMO_USE_PORT=\(wanted) is in use; using a free port")
        return 0
    }
}
