import GizmoServer
import Testing

/// Every combination of GIZMO_USE_PORT, GIZMO_USE_SERVER_ADDRESS and GIZMO_LINK_PREFIX.
struct LinkSettingsTests {
    let session = SessionID("MGR_1700000000000_42")!

    func link(_ environment: [String: String], port: Int = 5555, bound: String = "127.0.0.1") -> String {
        LinkSettings(environment: environment).childPageLink(session: session, port: port, boundHost: bound)
    }

    @Test func noVariables() {
        #expect(link([:]) == "http://localhost:5555/gizmo/http/MGR_1700000000000_42/index.html")
        #expect(LinkSettings(environment: [:]).mayOpenBrowser)
    }

    @Test func usePortOnly() {
        let settings = LinkSettings(environment: ["GIZMO_USE_PORT": "8675"])
        #expect(settings.usePort == 8675)
        #expect(settings.notes.isEmpty)
    }

    @Test(arguments: ["abc", "0", "70000", "-1", "12x"])
    func badUsePortIsANote(raw: String) {
        let settings = LinkSettings(environment: ["GIZMO_USE_PORT": raw])
        #expect(settings.usePort == nil)
        #expect(settings.notes.count == 1)
        #expect(settings.notes.first?.contains("GIZMO_USE_PORT=\(raw)") == true)
    }

    @Test func serverAddressIsUsedVerbatim() {
        #expect(link(["GIZMO_USE_SERVER_ADDRESS": "gizmo.example.org"])
            == "http://gizmo.example.org:5555/gizmo/http/MGR_1700000000000_42/index.html")
        #expect(link(["GIZMO_USE_SERVER_ADDRESS": "localhost", "GIZMO_USE_PORT": "5555"], port: 5555)
            == "http://localhost:5555/gizmo/http/MGR_1700000000000_42/index.html")
    }

    @Test(arguments: [
        ("http://proxy.example/GizmoLink", "http://proxy.example/GizmoLink/connect/5555/gizmo/http/MGR_1700000000000_42/index.html"),
        ("http://proxy.example/GizmoLink/", "http://proxy.example/GizmoLink/connect/5555/gizmo/http/MGR_1700000000000_42/index.html"),
        ("/user/me/proxy/9898/", "/user/me/proxy/9898/connect/5555/gizmo/http/MGR_1700000000000_42/index.html"),
    ])
    func linkPrefixAddsASlashAndTheConnectPath(prefix: String, expected: String) {
        #expect(link(["GIZMO_LINK_PREFIX": prefix]) == expected)
        // The prefix wins over a server address, and never opens a browser.
        #expect(link(["GIZMO_LINK_PREFIX": prefix, "GIZMO_USE_SERVER_ADDRESS": "ignored", "GIZMO_USE_PORT": "5555"]) == expected)
        #expect(!LinkSettings(environment: ["GIZMO_LINK_PREFIX": prefix]).mayOpenBrowser)
    }

    @Test func allThreeTogether() {
        let environment = ["GIZMO_USE_PORT": "5555", "GIZMO_USE_SERVER_ADDRESS": "h", "GIZMO_LINK_PREFIX": "https://p/x"]
        #expect(LinkSettings(environment: environment).usePort == 5555)
        #expect(link(environment) == "https://p/x/connect/5555/gizmo/http/MGR_1700000000000_42/index.html")
    }

    @Test func inferredHosts() {
        #expect(LinkSettings.inferredHost(boundHost: "127.0.0.1") == "localhost")
        #expect(LinkSettings.inferredHost(boundHost: "10.1.2.3") == "10.1.2.3")
        #expect(!LinkSettings.inferredHost(boundHost: "0.0.0.0").isEmpty)
        #expect(link([:], bound: "::1").hasPrefix("http://localhost:5555/"))
        #expect(link(["GIZMO_USE_SERVER_ADDRESS": "fe80::1"]).hasPrefix("http://[fe80::1]:5555/"))
    }

    @Test(arguments: ["MGR_1_2", "MGR_1700000000000_9223372036854775807"])
    func sessionIDsOfTheRightShape(raw: String) {
        #expect(SessionID(raw)?.rawValue == raw)
    }

    @Test(arguments: ["", "MGR_", "MGR_1", "MGR_a_1", "MGR_1_2_3", "mgr_1_2", "MGR_1_2/..", "MGR_1_<b>"])
    func sessionIDsOfAnyOtherShapeAreRefused(raw: String) {
        #expect(SessionID(raw) == nil)
    }

    @Test func madeSessionIDsParse() {
        let id = SessionID.make()
        #expect(SessionID(id.rawValue) == id)
        #expect(SessionID.make() != id)
    }
}
