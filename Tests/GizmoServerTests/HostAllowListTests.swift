@testable import GizmoServer
import HTTPTypes
import Hummingbird
import Testing

/// The Host names a server answers to (DNS rebinding).
struct HostAllowListTests {
    static let loopback = HostAllowList(bindHost: "127.0.0.1")

    @Test(arguments: [
        "127.0.0.1", "127.0.0.1:9898", "10.0.0.7:80", "[::1]:9898", "[::1]", "[2001:db8::1]:8080",
        "localhost", "localhost:9898", "LOCALHOST:9898", "localhost.", "app.localhost:9898", "a.b.LOCALHOST",
    ])
    func addressesAndLoopbackNamesAreAlwaysAllowed(authority: String) {
        #expect(Self.loopback.allows(authority: authority))
    }

    @Test(arguments: [
        "evil.example", "evil.example:9898", "localhost.evil.example", "127.0.0.1.evil.example", "evillocalhost",
        "", ":9898", "localhost:", "localhost:99999", "localhost:abc", "[::1", "[evil.example]", "::1",
        "evil example", "evil.example/x", "user@localhost", "localhost\u{0}", "café.example",
    ])
    func otherNamesAndMalformedHostsAreRefused(authority: String) {
        #expect(!Self.loopback.allows(authority: authority))
    }

    @Test func theBindNameTheAdvertisedNameAndTheMachinesNameAreAllowed() throws {
        #expect(HostAllowList(bindHost: "gizmos.lan").allows(authority: "GIZMOS.lan:9898"))
        let advertised = HostAllowList(bindHost: "127.0.0.1", serverAddress: "Public.Example.org")
        #expect(advertised.allows(authority: "public.example.org:443"))
        #expect(!advertised.allows(authority: "other.example.org"))
        // Written with a port or as a URL, it is still the name.
        #expect(HostAllowList(bindHost: "127.0.0.1", serverAddress: "gizmos.example:8080").allows(authority: "gizmos.example"))
        #expect(HostAllowList(bindHost: "127.0.0.1", serverAddress: "http://gizmos.example/").allows(authority: "gizmos.example"))
        // On all interfaces, the name the printed link uses.
        let machine = LinkSettings.inferredHost(boundHost: "0.0.0.0")
        #expect(HostAllowList(bindHost: "0.0.0.0").allows(authority: "\(machine):9898"))
        #expect(HostAllowList(bindHost: "::").allows(authority: machine))
        #expect(!HostAllowList(bindHost: "0.0.0.0").allows(authority: "evil.example"))
    }

    @Test func allowHostNamesAreAddedCaseInsensitivelyWithoutPort() throws {
        let list = try Self.loopback.allowing(["Gizmos.Example.org", " other.example:8080 ", "trailing.example."])
        #expect(list.allows(authority: "gizmos.example.org:80"))
        #expect(list.allows(authority: "OTHER.example"))
        #expect(list.allows(authority: "trailing.example"))
        #expect(!list.allows(authority: "evil.example"))
    }

    @Test func aStarAllowsAnyName() throws {
        let list = try Self.loopback.allowing(["*"])
        #expect(list.allows(authority: "evil.example"))
        #expect(HostAllowList.anyHost.allows(authority: "whatever:1"))
    }

    @Test(arguments: ["evil example", "a/b", "x:y:z", "http://"])
    func anEntryThatIsNoNameIsRefusedAtStart(entry: String) {
        #expect(throws: HostAllowList.Invalid(entry: entry)) { try Self.loopback.allowing([entry]) }
    }

    // MARK: The middleware

    func request(host: String?, forwarded: [String] = []) -> Request {
        var fields = HTTPFields()
        for value in forwarded { fields.append(.init(name: HostCheck<BasicRequestContext>.forwardedHost, value: value)) }
        let head = HTTPRequest(method: .get, scheme: "http", authority: host, path: "/", headerFields: fields)
        return Request(head: head, body: .init(buffer: ByteBuffer()))
    }

    @Test func hostAndEveryForwardedHostMustBeAllowed() {
        let check = HostCheck<BasicRequestContext>(allowList: Self.loopback)
        #expect(check.refusedAuthority(of: request(host: "localhost:9898")) == nil)
        #expect(check.refusedAuthority(of: request(host: "evil.example:9898")) == "evil.example:9898")
        // Behind a proxy that passes the browser's name in X-Forwarded-Host.
        #expect(check.refusedAuthority(of: request(host: "127.0.0.1:9898", forwarded: ["evil.example"])) == "evil.example")
        #expect(check.refusedAuthority(of: request(host: "127.0.0.1", forwarded: ["localhost:8080, evil.example"])) == "evil.example")
        // No Host at all: a program, not a browser.
        #expect(check.refusedAuthority(of: request(host: nil)) == nil)
    }
}
