import Foundation
import GizmoLua
@testable import GizmoServer
import GizmoStore
import GizmoTestFixtures
import Hummingbird
import HummingbirdTesting
import HummingbirdWSClient
import HummingbirdWSTesting
import Logging
import Testing

/// The entry pages and launches of `gizmolua serve`.
@Suite(.serialized)
struct EntryPointsTests {
    let folder = TemporaryFolder()
    let registry: SessionRegistry
    let logger: Logger

    init() {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        self.logger = logger
        registry = SessionRegistry(configuration: .init(grace: 0.2, firstPageTimeout: 5), logger: logger)
        folder.write("demos/init.lua", "-- Demos <b>of</b> things.\n")
        folder.write("demos/counter.lua", "-- Counts clicks & more.\n" + Fixture.gizmo("click_counter.lua"))
        folder.write("demos/broken.lua", "-- Broken.\nlocal = <script>\n")
        folder.write("demos/fails.lua", "-- Fails at start.\nerror('no luck here')\n")
        folder.write("tools/clock.lua", "local gz = require('gizmo')\ngz.Text('tick'):show()\n")
    }

    func makeApp(maxSessions: Int = 100) throws -> some ApplicationProtocol {
        let entry = EntryPoints(catalog: try Catalog(folders: [folder.path]), registry: registry,
                                maxSessions: maxSessions, logger: logger)
        return GizmoApplication.build(registry: registry, host: "127.0.0.1", port: 0, entryPoints: entry, logger: logger)
    }

    func get(_ client: some TestClientProtocol, _ uri: String) async throws -> (HTTPResponse.Status, String, HTTPFields) {
        try await client.execute(uri: uri, method: .get) { response in
            (response.status, String(buffer: response.body), response.headers)
        }
    }

    /// A module whose service fails shows the error, escaped, at the top of its page.
    @Test func aModulePageShowsItsServicesError() async throws {
        folder.write("tools/init.lua", "-- Tools.\nerror('<b>broken</b> service')\n")
        let catalog = try Catalog(folders: [folder.path])
        let services = ModuleServices(source: .catalog(catalog), limits: .init(), stores: StoreDirectory(),
                                      registry: registry, logger: logger)
        await services.startNew()
        let entry = EntryPoints(catalog: catalog, registry: registry, maxSessions: 10, services: services, logger: logger)
        let app = GizmoApplication.build(registry: registry, host: "127.0.0.1", port: 0, entryPoints: entry, logger: logger)
        try await app.test(.router) { client in
            let (_, tools, _) = try await get(client, "/?module=tools")
            #expect(tools.contains("gz-service-error"))
            #expect(tools.contains("init.lua:2: &lt;b&gt;broken&lt;/b&gt; service"))
            let (_, demos, _) = try await get(client, "/?module=demos")
            #expect(!demos.contains("gz-service-error"))
        }
        await services.stopAll()
    }

    @Test func theIndexListsModulesAndScriptsWithTheirDocsEscaped() async throws {
        try await makeApp().test(.router) { client in
            let (status, body, headers) = try await get(client, "/")
            #expect(status == .ok)
            #expect(headers[.contentType] == "text/html; charset=utf-8")
            #expect(body.contains("Demos &lt;b&gt;of&lt;/b&gt; things."))
            #expect(!body.contains("<b>of</b>"))
            #expect(body.contains(#"href="./?module=demos&amp;script=counter""#))
            #expect(body.contains("Counts clicks &amp; more."))
            #expect(body.contains(#"href="./?module=tools""#))
            // A broken script is listed, marked, with its error, and not linked.
            #expect(body.contains("broken: does not compile"))
            #expect(body.contains("broken.lua:2:"))
            #expect(!body.contains("script=broken"))
            #expect(!body.contains("<script>\n"))
        }
    }

    @Test func aModulePageShowsItsDescriptionAndScripts() async throws {
        try await makeApp().test(.router) { client in
            let (status, body, _) = try await get(client, "/?module=demos")
            #expect(status == .ok)
            #expect(body.contains("<h1>demos</h1>"))
            #expect(body.contains("Open counter"))
            #expect(body.contains(#"<a href="./">All gizmos</a>"#))
        }
    }

    @Test func aLaunchStartsASessionAndRedirectsRelatively() async throws {
        try await makeApp().test(.router) { client in
            let (status, _, headers) = try await get(client, "/?module=demos&script=counter")
            #expect(status == .seeOther)
            let location = try #require(headers[.location])
            #expect(location.hasPrefix("gizmo/http/MGR_") && location.hasSuffix("/index.html"))
            let id = try #require(SessionID(String(location.split(separator: "/")[2])))
            #expect(registry.session(id) != nil)
            let (page, body, _) = try await get(client, "/" + location)
            #expect(page == .ok)
            #expect(body.contains("<title>counter</title>"))
            // Each launch is a session of its own.
            let (_, _, again) = try await get(client, "/?module=demos&script=counter")
            #expect(again[.location] != location)
            #expect(registry.count == 2)
        }
    }

    @Test func unknownNamesAre404sThatListWhatExists() async throws {
        try await makeApp().test(.router) { client in
            let (status, body, _) = try await get(client, "/?module=%3Cimg%20src%3Dx%3E")
            #expect(status == .notFound)
            #expect(body.contains("&lt;img src=x&gt;"))
            #expect(!body.contains("<img"))
            #expect(body.contains(#"href="./?module=demos""#))
            for uri in ["/?module=demos&script=nope", "/?module=demos&script=..%2F..%2Fetc%2Fpasswd",
                        "/?module=demos&script=counter%3Bid", "/?module=demos&script=_helper",
                        "/?module=..&script=counter", "/?module=demos%2F..&script=counter",
                        "/?module=demos&script=%22onload%3D"] {
                let (status, body, _) = try await get(client, uri)
                #expect(status == .notFound, "\(uri)")
                #expect(!body.contains("\"onload="))
            }
            let (_, scripts, _) = try await get(client, "/?module=demos&script=nope")
            #expect(scripts.contains(#"href="./?module=demos&amp;script=counter""#))
            #expect(registry.count == 0)
        }
    }

    @Test func brokenAndFailingScriptsExplainThemselves() async throws {
        try await makeApp().test(.router) { client in
            let (broken, body, _) = try await get(client, "/?module=demos&script=broken")
            #expect(broken == .internalServerError)
            #expect(body.contains("broken.lua:2:"))
            #expect(body.contains("&lt;name&gt; expected"))
            // The entry redirects before the main code has run; the child page tells its failure, once.
            let (launched, _, headers) = try await get(client, "/?module=demos&script=fails")
            #expect(launched == .seeOther)
            let child = "/" + (headers[.location] ?? "")
            let (fails, failure, _) = try await get(client, child)
            #expect(fails == .internalServerError)
            #expect(failure.contains("fails failed to start"))
            #expect(failure.contains("no luck here"))
            #expect(failure.contains(#"href="../../../?module=demos""#))
            #expect(registry.count == 0)
            let (again, _, _) = try await get(client, child)
            #expect(again == .notFound)
        }
    }

    /// A flood of launches of a failing script nobody follows: each costs a
    /// session only while its main code runs, and the failures kept for
    /// their child pages stay bounded.
    @Test func failuresNobodyReadsStayBounded() async throws {
        let launches = SessionRegistry.maxFailures + 40
        try await makeApp(maxSessions: launches).test(.router) { client in
            var children: [String] = []
            for _ in 0..<launches {
                let (status, _, headers) = try await get(client, "/?module=demos&script=fails")
                #expect(status == .seeOther)
                children.append("/" + (headers[.location] ?? ""))
            }
            for _ in 0..<3000 where registry.count > 0 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(registry.count == 0)
            #expect(registry.launchFailureCount == SessionRegistry.maxFailures)
            // The oldest ones made room: their pages find nothing.
            var statuses: [HTTPResponse.Status: Int] = [:]
            for child in children {
                statuses[try await get(client, child).0, default: 0] += 1
            }
            #expect(statuses == [.internalServerError: SessionRegistry.maxFailures,
                                 .notFound: launches - SessionRegistry.maxFailures])
            #expect(registry.launchFailureCount == 0)
        }
    }

    @Test func serverPortAndPrefixShapeTheExportLineAndLinks() async throws {
        try await makeApp().test(.router) { client in
            let (_, direct, _) = try await get(client, "/?server=localhost&port=5656&module=demos")
            #expect(direct.contains("export GIZMO_LINK_PREFIX=http://localhost:5656/"))
            #expect(direct.contains(#"href="./?module=demos&amp;script=counter&amp;server=localhost&amp;port=5656""#))
            let (launch, _, headers) = try await get(client, "/?server=localhost&port=5656&module=demos&script=counter")
            #expect(launch == .seeOther)
            #expect(headers[.location]?.hasPrefix("gizmo/http/") == true)
            let (_, prefixed, _) = try await get(client, "/?prefix=https%3A%2F%2Fexample.org%2Fgizmos")
            #expect(prefixed.contains("export GIZMO_LINK_PREFIX=https://example.org/gizmos/"))
            #expect(prefixed.contains("prefix=https%3A%2F%2Fexample.org%2Fgizmos"))
            for uri in ["/?server=a%22b&port=1", "/?server=localhost&port=0", "/?server=localhost&port=70000",
                        "/?server=localhost&port=12ab", "/?prefix=javascript%3Aalert(1)", "/?prefix=http%3A%2F%2Fx%2F%22%3E",
                        "/?port=5656", "/?script=counter"] {
                let (status, body, _) = try await get(client, uri)
                #expect(status == .badRequest, "\(uri)")
                #expect(!body.contains("alert(1)") && !body.contains("a\"b") && !body.contains("x/\">"), "\(uri)")
            }
        }
    }

    @Test func tooManySessionsIsA503() async throws {
        try await makeApp(maxSessions: 1).test(.router) { client in
            #expect(try await get(client, "/?module=tools&script=clock").0 == .seeOther)
            let (status, _, headers) = try await get(client, "/?module=tools&script=clock")
            #expect(status == .serviceUnavailable)
            #expect(headers[.retryAfter] != nil)
        }
    }

    @Test func aWebSocketFromAnotherSiteIsRefused() async throws {
        let app = try makeApp()
        let (session, _) = try await registry.start(try Catalog(folders: [folder.path]).scan()
            .module(named: "tools")!.script(named: "clock")!.load())
        try await app.test(.live) { client in
            var foreign = WebSocketClientConfiguration()
            foreign.additionalHeaders = [.origin: "http://evil.example"]
            await #expect(throws: (any Error).self) {
                try await client.ws("/gizmo/ws/\(session.id)", configuration: foreign) { _, _, _ in
                    Issue.record("the upgrade from another origin was accepted")
                }
            }
            var same = WebSocketClientConfiguration()
            same.additionalHeaders = [.origin: "http://localhost:\(client.port!)"]
            try await client.ws("/gizmo/ws/\(session.id)", configuration: same) { inbound, outbound, _ in
                try await outbound.write(.text(#"{"t":"hello","v":1}"#))
                var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                #expect(try await messages.next() != nil)
            }
        }
    }
}
