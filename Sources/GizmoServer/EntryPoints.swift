import Foundation
import GizmoLua
import Hummingbird
import Logging

/// The entry pages of `gizmolua serve` at `/`, and the launch of a session
/// from `/?module=M&script=S`.
///
/// Names in a request are only ever looked up in the catalog: a name the
/// catalog does not know is a 404, whatever it holds, and nothing a request
/// says reaches a shell or a path.
public struct EntryPoints: Sendable {
    let catalog: Catalog
    let registry: SessionRegistry
    let maxSessions: Int
    /// The modules' services, whose errors a module's page shows.
    let services: ModuleServices?
    let logger: Logger

    public init(catalog: Catalog, registry: SessionRegistry, maxSessions: Int, services: ModuleServices? = nil,
                logger: Logger) {
        self.catalog = catalog
        self.registry = registry
        self.maxSessions = maxSessions
        self.services = services
        self.logger = logger
    }

    func respond(to request: Request) async -> Response {
        var parameters: [String: String] = [:]
        for (name, value) in request.uri.queryParameters where parameters[String(name)] == nil {
            parameters[String(name)] = String(value)
        }
        var query: EntryQuery
        do {
            query = try EntryQuery(parameters)
        } catch {
            return ErrorPage.response(.badRequest, title: "Bad request", message: error.message,
                                      more: "<p><a href=\"./\">All gizmos</a></p>")
        }
        if let host = request.head.authority, EntryQuery.isHostAndPort(host) {
            query.hostPrefix = "http://\(host)/"
        }

        // A launch reads only its own script; anything else it cannot find
        // that way scans the folders, which also says why.
        if let moduleName = query.module, let scriptName = query.script,
           let script = catalog.script(scriptName, inModule: moduleName) {
            return launch(script, module: moduleName, query: query)
        }
        let listing: Catalog.Listing
        do {
            listing = try catalog.scan()
        } catch {
            logger.error("\(LogText.escaped(error.message))")
            return ErrorPage.response(.internalServerError, title: "The catalog cannot be read", message: error.message)
        }
        guard let moduleName = query.module else {
            return HTMLResponse.page(EntryPages.index(listing, query: query))
        }
        guard let module = listing.module(named: moduleName) else {
            return ErrorPage.response(.notFound, title: "No such module",
                                      message: "There is no module named \(moduleName) here.",
                                      more: EntryPages.moduleLinks(listing, query: query))
        }
        guard let scriptName = query.script else {
            return HTMLResponse.page(EntryPages.module(module, query: query,
                                                       serviceError: services?.service(module: module.name)?.lastError,
                                                       grants: registry.grants))
        }
        guard let script = module.script(named: scriptName) else {
            return ErrorPage.response(.notFound, title: "No such script",
                                      message: "The module \(module.name) has no script named \(scriptName).",
                                      more: EntryPages.scriptLinks(module, query: query))
        }
        return launch(script, module: module.name, query: query)
    }

    /// Starts a session of `script` and redirects to its child page (303,
    /// relative, so a prefix in front of this server keeps working) at
    /// once: the script's main code runs while the redirect travels, and a
    /// script that fails there shows its error on the child page (a 500,
    /// ``LaunchFailure``). One that does not compile shows it here.
    private func launch(_ script: CatalogScript, module: String, query: EntryQuery) -> Response {
        let moduleLink = query.link(module: module)
        let back = "<p><a href=\"\(HTMLText.escape(moduleLink))\">Back to \(HTMLText.escape(module))</a></p>"
        if let error = script.syntaxError {
            return ErrorPage.response(.internalServerError, title: "\(script.name) does not compile",
                                      message: "Fix the script and open it again.",
                                      more: "<pre>\(HTMLText.escape(error))</pre>" + back)
        }
        let loaded: Script
        do {
            loaded = try script.load()
        } catch {
            return ErrorPage.response(.internalServerError, title: "\(script.name) cannot start",
                                      message: "The script could not be read or compiled.",
                                      more: "<pre>\(HTMLText.escape(error.message))</pre>" + back)
        }
        guard let session = registry.launch(loaded, name: script.name, module: module, moduleLink: moduleLink,
                                            launchLink: query.link(module: module, script: script.name),
                                            atMost: maxSessions) else {
            return ErrorPage.response(.serviceUnavailable, title: "Too many sessions",
                                      message: "This server already runs \(maxSessions) gizmo sessions; try again when some have ended.",
                                      more: back, headers: [.retryAfter: "10"])
        }
        logger.info("session started", metadata: ["session": "\(session.id)", "script": "\(LogText.escaped(script.displayPath))"])
        return Response(status: .seeOther, headers: [.location: "gizmo/http/\(session.id)/index.html", .cacheControl: "no-store"])
    }
}
