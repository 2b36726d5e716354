import ArgumentParser
import Foundation
import GizmoLua
import GizmoServer
import GizmoStore
import Logging
import ServiceLifecycle

/// `gizmolua run FILE.lua`: one gizmo, one session, like `python gizmo.py` in H5Gizmos.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run one gizmo script, print its link and open it in a browser.",
        discussion: """
        The process ends once the page has been closed and not reopened within the grace period.
        If nobody has opened the link after --remind-after seconds (default 30), it says so on
        stderr once, with the link again.
        Beyond loopback every request needs the token the printed link carries (?token=, then a
        cookie), unless --no-token.
        Environment: GIZMO_USE_PORT (port to use if free), GIZMO_USE_SERVER_ADDRESS (host name to
        advertise), GIZMO_LINK_PREFIX (advertise PREFIX/connect/PORT/... for a proxy; no browser),
        GIZMO_TOKEN (the token; set empty for none), GIZMO_ALLOW_HOST (as --allow-host),
        GIZMO_STORE_URL (as --store).
        """
    )

    @Argument(help: "The gizmo script to run.")
    var file: String

    @Flag(name: .customLong("no-browser"), help: "Never open a browser; only print the link.")
    var noBrowser = false

    @OptionGroup var server: ServerOptions

    @Option(help: "Seconds the session outlives a closed page, so a reload keeps it.")
    var grace: Double = 3

    @Option(name: .customLong("remind-after"),
            help: "Seconds after which, if nobody has opened the link, say so on stderr with the link again (0: never).")
    var remindAfter: Double = 30

    @OptionGroup var limits: LimitOptions

    @OptionGroup var store: StoreOptions

    @Flag(name: .customLong("no-reload"), help: "Do not reload the page when the script or its files change.")
    var noReload = false

    func validate() throws {
        if grace < 0 { throw ValidationError("--grace must not be negative") }
        if !(remindAfter >= 0 && remindAfter <= 31_536_000) {
            throw ValidationError("--remind-after must be from 0 (never) to 31536000 seconds (a year)")
        }
    }

    func run() async throws {
        let logger = Terminal.bootstrapLogging()
        let links = LinkSettings(environment: ProcessInfo.processInfo.environment)
        links.notes.forEach(Terminal.error)
        let access = try server.access(behindProxy: links.linkPrefix != nil)

        let script: Script
        do {
            script = try Script(contentsOf: file)
        } catch {
            throw Terminal.fail(error.message)
        }

        let stop = AsyncStream.makeStream(of: Void.self)
        let stores = try store.stores(limits: limits.storeLimits, logger: logger)
        let registry = SessionRegistry(
            configuration: .init(limits: limits.limits,
                                 grace: grace, firstPageTimeout: nil, stores: stores),
            logger: logger
        ) { _ in stop.continuation.yield() }
        // The service of the script's module (its folder's init.lua), before the script.
        let moduleServices = ModuleServices(
            source: .folder(script.directory, displayPath: ((file as NSString).deletingLastPathComponent as NSString)
                .appendingPathComponent(ModuleServices.fileName)),
            limits: limits.serviceLimits, stores: stores, registry: registry, logger: logger)
        await moduleServices.startNew()

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

        let host = server.bindHost
        let listenPort = try server.listenPort(links: links, fallback: 0)
        let openBrowser = !noBrowser && links.mayOpenBrowser && boot.shownBy != "link"
        let remindAfter = remindAfter
        let app = GizmoApplication.build(registry: registry, host: host, port: listenPort, logger: logger,
                                         push: StorePush(modules: .folder(script.directory, displayPath: file),
                                                         stores: stores),
                                         access: access) { [host] port in
            access.warning(port: port, bindHost: host).map(Terminal.error)
            let link = links.childPageLink(session: session.id, port: port, boundHost: host, token: access.linkToken)
            Terminal.out("gizmolua: \(script.displayPath) is running; open this link in a browser:")
            Terminal.out(" GIZMO_LINK: \(link) ")
            if openBrowser && !BrowserOpener.open(link) {
                Terminal.error("gizmolua: no browser could be opened here; open the link above")
            }
            if remindAfter > 0 { Self.remind(of: link, for: session, after: remindAfter, logger: logger) }
        }
        var services: [any Service] = [moduleServices, app,
                                       SessionService(registry: registry, exitDeadline: .seconds(1), logger: logger)]
        if !noReload {
            do {
                services.append(try HotReload(registry: registry, folders: [script.directory],
                                              followDependencies: true, services: moduleServices, logger: logger))
            } catch {
                Terminal.error("gizmolua: hot reload is off: \(error.message)")
            }
        }
        let group = ServiceGroup(configuration: .init(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
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

    /// After --remind-after seconds, says on stderr that nobody has opened
    /// the link, if so: a link lost in a scrolled terminal (or a browser that
    /// never came up) otherwise looks like a gizmo that hangs.
    private static func remind(of link: String, for session: Session, after seconds: Double, logger: Logger) {
        Task {
            try? await Task.sleep(for: .seconds(seconds))
            guard session.isAwaitingFirstPage else {
                logger.debug("the link was opened within \(shown(seconds)) s; no reminder")
                return
            }
            Terminal.error("gizmolua: nobody has opened the link in \(shown(seconds)) s; "
                + "the gizmo waits for its page at:")
            Terminal.error("  \(link)")
        }
    }

    /// 30 as "30", 0.5 as "0.5".
    private static func shown(_ seconds: Double) -> String {
        seconds == seconds.rounded() && seconds < 1e15 ? String(Int(seconds)) : String(seconds)
    }
}
