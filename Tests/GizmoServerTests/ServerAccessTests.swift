@testable import GizmoServer
import Testing

/// When a token is required, which token, and what the printed link carries.
struct ServerAccessTests {
    static let token = "0123456789abcdef0123456789abcdef"

    func resolve(_ bind: String, _ environment: [String: String] = [:], noToken: Bool = false,
                 behindProxy: Bool = false) throws -> ServerAccess {
        try ServerAccess.resolve(bindHost: bind, environment: environment, noToken: noToken, behindProxy: behindProxy)
    }

    @Test(arguments: ["127.0.0.1", "127.3.4.5", "::1", "[::1]", "localhost", "LocalHost", "::ffff:127.0.0.1"])
    func loopbackAsksNoToken(bind: String) throws {
        #expect(ServerAccess.isLoopback(bind))
        let access = try resolve(bind)
        #expect(access.requiredToken == nil)
        #expect(access.linkToken == nil)
        #expect(access.warning(port: 9898, bindHost: bind) == nil)
    }

    @Test(arguments: ["0.0.0.0", "::", "10.0.0.7", "192.168.1.2", "gizmos.lan", "128.0.0.1", "::2"])
    func beyondLoopbackAToken(bind: String) throws {
        #expect(!ServerAccess.isLoopback(bind))
        let access = try resolve(bind)
        let token = try #require(access.requiredToken)
        #expect(token.value.count == 64)
        #expect(token.value.allSatisfy { $0.isHexDigit })
        #expect(access.linkToken == token)
    }

    @Test func generatedTokensDiffer() {
        #expect(AccessToken.generate() != AccessToken.generate())
    }

    @Test func gizmoTokenIsTheTokenAndIsRequiredEvenOnLoopback() throws {
        for bind in ["127.0.0.1", "0.0.0.0"] {
            let access = try resolve(bind, ["GIZMO_TOKEN": Self.token])
            #expect(access.requiredToken?.value == Self.token)
            #expect(access.linkToken?.value == Self.token)
        }
    }

    @Test func noTokenOrAnEmptyGizmoTokenTurnsItOffWithAWarningBeyondLoopback() throws {
        for (environment, noToken) in [([:], true), (["GIZMO_TOKEN": ""], false), (["GIZMO_TOKEN": Self.token], true)] {
            let open = try resolve("0.0.0.0", environment, noToken: noToken)
            #expect(open.requiredToken == nil)
            #expect(open.linkToken == nil)
            let warning = try #require(open.warning(port: 9898, bindHost: "0.0.0.0"))
            #expect(warning.contains("anyone who can reach 0.0.0.0:9898 can use every gizmo here"))
            #expect(try resolve("127.0.0.1", environment, noToken: noToken).warning(port: 9898, bindHost: "127.0.0.1") == nil)
        }
        #expect(try resolve("::", noToken: true).warning(port: 1, bindHost: "::")?.contains("[::]:1") == true)
    }

    /// A `run` behind another server's `/connect/` cannot carry a token of its
    /// own past the first redirect; the server in front checks its own.
    @Test func aRunBehindAProxyOnLoopbackAsksNoneAndItsLinkCarriesGizmoToken() throws {
        let behind = try resolve("127.0.0.1", ["GIZMO_TOKEN": Self.token], behindProxy: true)
        #expect(behind.requiredToken == nil)
        #expect(behind.linkToken?.value == Self.token)
        #expect(try resolve("127.0.0.1", behindProxy: true).linkToken == nil)
        // Reachable from elsewhere too: it asks its own.
        #expect(try resolve("0.0.0.0", behindProxy: true).requiredToken != nil)
    }

    @Test(arguments: ["has space", "semi;colon", "quote\"", "plus+sign", "slash/", "é", String(repeating: "a", count: 257)])
    func aGizmoTokenThatCannotTravelIsRefusedAtStart(value: String) {
        #expect(throws: ServerAccess.Refusal.self) { try resolve("127.0.0.1", ["GIZMO_TOKEN": value]) }
    }

    @Test func allowHostNamesComeFromTheFlagAndTheEnvironment() throws {
        let access = try ServerAccess.resolve(bindHost: "127.0.0.1", environment: ["GIZMO_ALLOW_HOST": "a.example, b.example"],
                                              allowHosts: ["c.example,d.example", "e.example"])
        for name in ["a.example", "b.example", "c.example", "d.example", "e.example"] {
            #expect(access.hosts.allows(authority: name))
        }
        #expect(!access.hosts.allows(authority: "f.example"))
        #expect(try ServerAccess.resolve(bindHost: "127.0.0.1", environment: ["GIZMO_ALLOW_HOST": "*"]).hosts.allows(authority: "f.example"))
        #expect(throws: ServerAccess.Refusal.self) {
            try ServerAccess.resolve(bindHost: "127.0.0.1", environment: [:], allowHosts: ["bad name"])
        }
    }

    @Test func theTokenMatchesItselfOnly() throws {
        let token = try AccessToken(Self.token)
        #expect(token.matches(Self.token))
        #expect(!token.matches(Self.token.dropLast()))
        #expect(!token.matches(Self.token + "0"))
        #expect(!token.matches(Self.token + String(repeating: "0", count: 256)))
        #expect(!token.matches(""))
        #expect(!token.matches(Self.token.uppercased()))
        #expect(AccessToken.cookieName(port: 9898) == "gizmolua-token-9898")
    }
}
