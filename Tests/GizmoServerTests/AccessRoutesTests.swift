import Foundation
import GizmoLua
@testable import GizmoServer
import GizmoTestFixtures
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import HummingbirdWSClient
import HummingbirdWSTesting
import Logging
import Testing

/// The Host check and the token check in front of every route: pages,
/// files, entry pages, WebSockets; `/ping` and `/healthz` open.
@Suite(.serialized)
struct AccessRoutesTests {
    static let token = try! AccessToken("5f3c0ffee5f3c0ffee5f3c0ffee5f3c0")
    static let cookie = "gizmolua-token-9898"

    let folder = TemporaryFolder()
    let registry: SessionRegistry
    let logger: Logger

    init() {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        self.logger = logger
        // A test's page sockets on one session come one after another; on a
        // loaded machine the gap between two may pass a short grace.
        registry = SessionRegistry(configuration: .init(grace: 60, firstPageTimeout: 60), logger: logger)
        folder.write("demos/counter.lua", Fixture.gizmo("click_counter.lua"))
    }

    /// A server "on port 9898" (the router tests bind nothing) that asks for
    /// `token`; `allowing` adds `--allow-host` names.
    func makeApp(token: AccessToken? = token, allowing: [String] = [], port: Int = 9898) throws -> some ApplicationProtocol {
        let entry = EntryPoints(catalog: try Catalog(folders: [folder.path]), registry: registry, maxSessions: 10, logger: logger)
        let hosts = try HostAllowList(bindHost: "127.0.0.1").allowing(allowing)
        return GizmoApplication.build(registry: registry, host: "127.0.0.1", port: port, entryPoints: entry, logger: logger,
                                      access: ServerAccess(hosts: hosts, requiredToken: token))
    }

    func startSession() async throws -> Session {
        let script = Script(displayPath: "counter.lua", directory: folder.url, source: Fixture.gizmo("click_counter.lua"))
        return try await registry.start(script).0
    }

    func get(_ client: some TestClientProtocol, _ uri: String, _ headers: HTTPFields = [:])
        async throws -> (status: HTTPResponse.Status, body: String, headers: HTTPFields) {
        try await client.execute(uri: uri, method: .get, headers: headers) { response in
            (response.status, String(buffer: response.body), response.headers)
        }
    }

    /// The token's cookie, as a valid `?token=` sets it (attributes in any order).
    static func isTokenCookie(_ header: String?) -> Bool {
        guard let header else { return false }
        let parts = Set(header.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) })
        return parts == ["\(cookie)=\(token.value)", "Path=/", "HttpOnly", "SameSite=Lax"]
    }

    // MARK: Tokens

    @Test func pingAndHealthzStayOpen() async throws {
        try await makeApp().test(.router) { client in
            let forwarded: HTTPFields = [HostCheck<BasicRequestContext>.forwardedHost: "evil.example"]
            for (uri, headers) in [("/ping", [:]), ("/healthz", [:]), ("/healthz", forwarded)] as [(String, HTTPFields)] {
                let status = try await get(client, uri, headers).status
                #expect(status == .ok, "\(uri)")
            }
        }
    }

    @Test func everythingElseWithoutTheTokenIsAPageThatSaysHowToGetIt() async throws {
        let session = try await startSession()
        try await makeApp().test(.router) { client in
            for uri in ["/", "/?module=demos&script=counter", "/gizmo/http/\(session.id)/index.html",
                        "/gizmo/http/\(session.id)/anything", "/gizmo/http/\(session.id)", "/no/such/path"] {
                let (status, body, headers) = try await get(client, uri)
                #expect(status == .forbidden, "\(uri)")
                #expect(body.contains("This gizmo server needs its token: open the link gizmolua printed (it ends in ?token=...)."))
                #expect(headers[.setCookie] == nil)
            }
            #expect(registry.count == 1, "a launch without the token started a session")
            let wrong = try await get(client, "/?token=0000")
            #expect(wrong.status == .forbidden)
            #expect(wrong.body.contains("not this server's"))
            let basic = try await get(client, "/", [.authorization: "Basic \(Self.token.value)"])
            #expect(basic.status == .forbidden)
            let otherPort = try await get(client, "/", [.cookie: "gizmolua-token-9899=\(Self.token.value)"])
            #expect(otherPort.status == .forbidden)
        }
    }

    @Test func aTokenInThePagesAddressBecomesACookieAndLeavesTheAddress() async throws {
        let session = try await startSession()
        try await makeApp().test(.router) { client in
            let entry = try await get(client, "/?token=\(Self.token.value)")
            #expect(entry.status == .seeOther)
            #expect(entry.headers[.location] == "./")
            #expect(Self.isTokenCookie(entry.headers[.setCookie]))

            // Other parameters are kept, as they came; the redirect stays relative.
            let direct = try await get(client, "/?server=localhost&port=5656&token=\(Self.token.value)&module=demos&script=counter")
            #expect(direct.status == .seeOther)
            #expect(direct.headers[.location] == "./?server=localhost&port=5656&module=demos&script=counter")
            #expect(registry.count == 1, "the redirect must not launch; the request it leads to does")

            let child = try await get(client, "/gizmo/http/\(session.id)/index.html?token=\(Self.token.value)&x=%20y")
            #expect(child.status == .seeOther)
            #expect(child.headers[.location] == "index.html?x=%20y")
            #expect(Self.isTokenCookie(child.headers[.setCookie]))

            // A file of the session: served with the cookie, its address kept.
            let file = try await get(client, "/gizmo/http/\(session.id)/nothing.txt?token=\(Self.token.value)")
            #expect(file.status == .notFound)
            #expect(Self.isTokenCookie(file.headers[.setCookie]))
        }
    }

    @Test func theCookieAndTheAuthorizationHeaderOpenEveryPage() async throws {
        let session = try await startSession()
        try await makeApp().test(.router) { client in
            let page = "/gizmo/http/\(session.id)/index.html"
            for headers: HTTPFields in [
                [.cookie: "other=1; \(Self.cookie)=\(Self.token.value)"],
                [.authorization: "token \(Self.token.value)"],
                [.authorization: "Bearer \(Self.token.value)"],
                [.authorization: "BEARER \(Self.token.value)"],
            ] {
                let (status, body, responseHeaders) = try await get(client, page, headers)
                #expect(status == .ok, "\(headers)")
                #expect(body.contains("gz-root"))
                #expect(responseHeaders[.setCookie] == nil)
            }
            // The direct H5Gizmos URL once the browser holds the cookie: a launch.
            let launch = try await get(client, "/?server=localhost&port=5656&module=demos&script=counter",
                                       [.cookie: "\(Self.cookie)=\(Self.token.value)"])
            #expect(launch.status == .seeOther)
            #expect(launch.headers[.location]?.hasPrefix("gizmo/http/MGR_") == true)
        }
    }

    @Test func pagesAndAddressesWithoutTheToken() {
        #expect(TokenCheck<BasicRequestContext>.isPage("/"))
        #expect(TokenCheck<BasicRequestContext>.isPage("/gizmo/http/MGR_1_2/index.html"))
        #expect(!TokenCheck<BasicRequestContext>.isPage("/gizmo/http/MGR_1_2/data.json"))
        #expect(!TokenCheck<BasicRequestContext>.isPage("/connect/5555/gizmo/http/MGR_1_2/index.html"))
        #expect(!TokenCheck<BasicRequestContext>.isPage("/gizmo/http//index.html"))
        let address = { (path: String, query: String) in TokenCheck<BasicRequestContext>.addressWithoutToken(path: path, query: query) }
        #expect(address("/", "token=a") == "./")
        #expect(address("/", "token=a&token=b&module=m") == "./?module=m")
        #expect(address("/", "module=m&%74oken=a&&") == "./?module=m")
        #expect(address("/gizmo/http/MGR_1_2/index.html", "token=a") == "index.html")
        #expect(address("/gizmo/http/MGR_1_2/index.html", "tokens=1&token=a&x=%26") == "index.html?tokens=1&x=%26")
    }

    @Test func anOpenServerIgnoresTokens() async throws {
        try await makeApp(token: nil).test(.router) { client in
            let entry = try await get(client, "/?token=whatever")
            #expect(entry.status == .ok)
            #expect(entry.headers[.setCookie] == nil)
        }
    }

    // MARK: Host names

    @Test func aRequestForAnotherHostNameIsRefusedBeforeTheToken() async throws {
        try await makeApp().test(.router) { client in
            let rebound: HTTPFields = [HostCheck<BasicRequestContext>.forwardedHost: "evil.example:9898",
                                       .authorization: "token \(Self.token.value)"]
            let (status, body, _) = try await get(client, "/", rebound)
            #expect(status == .forbidden)
            #expect(body.contains("“evil.example”"))
            #expect(body.contains("start gizmolua with --allow-host=evil.example"))

            let hostile: HTTPFields = [HostCheck<BasicRequestContext>.forwardedHost: "<script>alert(1)</script>"]
            let escaped = try await get(client, "/", hostile)
            #expect(escaped.status == .forbidden)
            #expect(!escaped.body.contains("<script>"))
            #expect(escaped.body.contains("&lt;script&gt;"))
        }
        try await makeApp(allowing: ["evil.example"]).test(.router) { client in
            let allowed: HTTPFields = [HostCheck<BasicRequestContext>.forwardedHost: "evil.example:9898",
                                       .authorization: "token \(Self.token.value)"]
            let status = try await get(client, "/", allowed).status
            #expect(status == .ok)
        }
    }

    // MARK: WebSockets

    /// Whether a WebSocket to the session opens and renders; false when the
    /// upgrade is refused.
    func pageSocketOpens(_ client: some TestClientProtocol, _ path: String, _ headers: HTTPFields = [:]) async -> Bool {
        do {
            let rendered = RenderSeen()
            try await client.ws(path, configuration: .init(additionalHeaders: headers)) { inbound, outbound, _ in
                try await outbound.write(.text(#"{"t":"hello","v":1}"#))
                var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                if case .text(let frame) = try await messages.next(), frame.contains("render") { rendered.seen() }
            }
            return rendered.value
        } catch {
            return false
        }
    }

    @Test func aPageSocketNeedsTheTokenAndAnAllowedHost() async throws {
        let session = try await startSession()
        try await makeApp(port: 0).test(.live) { client in
            let port = try #require(client.port)
            let path = "/gizmo/ws/\(session.id)"
            let forwarded = HostCheck<BasicRequestContext>.forwardedHost
            #expect(await !pageSocketOpens(client, path))
            #expect(await !pageSocketOpens(client, path + "?token=nope"))
            #expect(await !pageSocketOpens(client, path, [.cookie: "gizmolua-token-\(port + 1)=\(Self.token.value)"]))
            #expect(await pageSocketOpens(client, path + "?token=\(Self.token.value)"))
            #expect(await pageSocketOpens(client, path, [.cookie: "gizmolua-token-\(port)=\(Self.token.value)"]))
            #expect(await pageSocketOpens(client, path, [.authorization: "token \(Self.token.value)"]))
            #expect(await !pageSocketOpens(client, path, [.authorization: "token \(Self.token.value)", forwarded: "evil.example"]))
        }
    }
}

/// A flag set from a WebSocket handler.
final class RenderSeen: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    func seen() { lock.withLock { flag = true } }
    var value: Bool { lock.withLock { flag } }
}
