import ArgumentParser
import Foundation
import GizmoLua
import GizmoServer
import GizmoStore
import Logging
import ServiceLifecycle

/// `gizmolua serve DIR...`: every module under the folders on one port, with
/// entry pages; each visit of a script starts a session of its own.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve every gizmo module under the folders on one port, with entry pages.",
        discussion: """
        A folder whose top level holds .lua scripts is a module named after it; each sub-folder
        holding .lua scripts is a module of its own name. Open the printed link to list them;
        each visit of a script starts a session that ends when its page has been gone for the
        grace period. Files are read again on every visit, and open pages reload in place when
        their script or its files change (unless --no-reload).
        Beyond loopback every request but /ping and /healthz needs the token the printed link
        carries (?token=, then a cookie), unless --no-token.
        Environment: GIZMO_USE_PORT (port to use if free), GIZMO_USE_SERVER_ADDRESS (host name
        to advertise), GIZMO_BIND_ADDRESS (address to listen on), GIZMO_DATA_DIR (data folders),
        GIZMO_TOKEN (the token; set empty for none), GIZMO_ALLOW_HOST (as --allow-host),
        GIZMO_STORE_URL (as --store).
        """
    )

    @Argument(help: "Folders of gizmo modules.")
    var folders: [String]

    @OptionGroup var server: ServerOptions

    @Option(help: "Seconds a session outlives its closed page, so a reload keeps it.")
    var grace: Double = 10

    @Option(name: .customLong("max-sessions"), help: "Sessions this server runs at once; more get a 503 page.")
    var maxSessions = 1000

    @OptionGroup var limits: LimitOptions

    @Flag(name: .customLong("no-reload"), help: "Do not reload open sessions when their files change (for production).")
    var noReload = false

    @OptionGroup var store: StoreOptions

    static let defaultPort = 9898

    func validate() throws {
        if folders.isEmpty { throw ValidationError("name at least one folder of gizmo scripts, such as scripts/") }
        if grace < 0 { throw ValidationError("--grace must not be negative") }
        if maxSessions <= 0 { throw ValidationError("--max-sessions must be positive") }
    }

    func run() async throws {
        let logger = Terminal.bootstrapLogging()
        let links = LinkSettings(environment: ProcessInfo.processInfo.environment)
        links.notes.forEach(Terminal.error)
        DescriptorLimit.note(sessions: maxSessions, limit: DescriptorLimit.raiseToHard()).map(Terminal.error)
        let access = try server.access()

        let catalog: Catalog
        let listing: Catalog.Listing
        do {
            catalog = try Catalog(folders: folders)
            listing = try catalog.scan()
        } catch {
            throw Terminal.fail(error.message)
        }
        listing.notes.forEach(Terminal.error)
        for module in listing.modules {
            for script in module.scripts {
                if let error = script.syntaxError { Terminal.error("gizmolua: \(error) (listed as broken)") }
            }
        }

        let host = server.bindHost
        let listenPort = try server.listenPort(links: links, fallback: Self.defaultPort)
        let stores = try store.stores(limits: limits.storeLimits, logger: logger)
        let registry = SessionRegistry(
            configuration: .init(limits: limits.limits, grace: grace, firstPageTimeout: 60, stores: stores),
            logger: logger
        )
        let moduleServices = ModuleServices(source: .catalog(catalog), limits: limits.serviceLimits, stores: stores,
                                            registry: registry, logger: logger)
        let entryPoints = EntryPoints(catalog: catalog, registry: registry, maxSessions: maxSessions,
                                      services: moduleServices, logger: logger)
        let summary = "\(listing.modules.count) module\(listing.modules.count == 1 ? "" : "s"), "
            + "\(listing.scriptCount) script\(listing.scriptCount == 1 ? "" : "s")"
        // Gizmos started on their own with GIZMO_LINK_PREFIX pointing here are reached through /connect/.
        let proxy = ConnectProxy(logger: logger)
        let app = GizmoApplication.build(registry: registry, host: host, port: listenPort,
                                         entryPoints: entryPoints, logger: logger, connectProxy: proxy,
                                         push: StorePush(modules: .catalog(catalog), stores: stores),
                                         access: access) { port in
            access.warning(port: port, bindHost: host).map(Terminal.error)
            Terminal.out("gizmolua: serving \(summary) from \(folders.joined(separator: " ")); open this link in a browser:")
            Terminal.out(" GIZMO_LINK: \(links.serverLink(port: port, boundHost: host, token: access.linkToken)) ")
        }
        // Services stop in reverse order: the proxy's client after the server,
        // the modules' services (and then their stores) after the sessions.
        var services: [any Service] = [moduleServices, proxy, app,
                                       SessionService(registry: registry, exitDeadline: .seconds(2), logger: logger)]
        if !noReload {
            do {
                services.append(try HotReload(registry: registry, trees: catalog.roots.map(\.url),
                                              followDependencies: false, services: moduleServices, logger: logger))
            } catch {
                Terminal.error("gizmolua: hot reload is off: \(error.message)")
            }
        }
        let group = ServiceGroup(configuration: .init(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            throw Terminal.fail("gizmolua: could not serve on \(host):\(listenPort): \(error)")
        }
    }
}
