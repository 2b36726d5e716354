import Foundation
@testable import GizmoServer
import Testing

/// Which `/connect/` addresses are proxied, and where to.
struct ConnectTargetTests {
    @Test func aGizmoAddressIsParsedAsSent() throws {
        let target = try ConnectTarget.parse(path: "/connect/8675/gizmo/http/MGR_1_2/a%20b.png", query: "v=1")
        #expect(target.port == 8675)
        #expect(target.channel == .http)
        #expect(target.httpURL == "http://127.0.0.1:8675/gizmo/http/MGR_1_2/a%20b.png?v=1")
        let socket = try ConnectTarget.parse(path: "/connect/1/gizmo/ws/MGR_1_2", query: nil)
        #expect(socket.webSocketURL == "ws://127.0.0.1:1/gizmo/ws/MGR_1_2")
    }

    @Test(arguments: [
        ("/connect/abc/gizmo/http/x", ConnectTarget.Refusal.badPort("abc")),
        ("/connect/0/gizmo/http/x", .badPort("0")), ("/connect/65536/gizmo/http/x", .badPort("65536")),
        ("/connect/+80/gizmo/http/x", .badPort("+80")), ("/connect/123456/gizmo/http/x", .badPort("123456")),
        ("/connect//gizmo/http/x", .badPort("")),
        ("/connect/123/other/x", .badPath), ("/connect/123/gizmo/../x", .badPath),
        ("/connect/123/gizmo/http/../../x", .badPath), ("/connect/123/gizmo/http/.%2E/x", .badPath),
        ("/connect/123/gizmo/http/a%2fb", .badPath), ("/connect/123/gizmo/http/a%5Cb", .badPath),
        ("/connect/123/gizmo/http/", .badPath), ("/connect/123/gizmo/http", .badPath),
        ("/connect/123/ping", .badPath), ("/connect/123", .badPath), ("/other/123/gizmo/http/x", .notConnect),
    ])
    func otherAddressesAreRefused(path: String, refusal: ConnectTarget.Refusal) {
        #expect(throws: refusal) { try ConnectTarget.parse(path: path, query: nil) }
    }

    /// Forms that decode to something else than a plain name: not UTF-8
    /// (`%FF`, overlong encodings of `.` and `/`), control characters,
    /// separators and dot segments in any case, malformed escapes.
    static let hostileSegments = [
        "%FF", "a%FFb", "%C0%AE", "%C0%AE%C0%AE", "%E0%80%AE", "%C0%AF", "%C1%9C", "%F0%80%80%AE",
        "%ED%A0%80", "%F4%90%80%80", "%80", "%00", "a%00.png", "%0D%0A", "%1B%5B31m", "%7F", "%C2%85",
        "%2e", "%2E", "%2e%2e", "%2E%2e", ".%2e", "%2e.", "..", ".", "%2f", "%2F", "a%2Fb", "%5c", "a%5Cb", "\\",
        "%", "%2", "%G0", "a%zz", "%%2e%2e",
    ]

    @Test(arguments: hostileSegments)
    func aSegmentThatDoesNotDecodeToAPlainNameIsRefused(segment: String) {
        for path in ["/connect/123/gizmo/http/\(segment)", "/connect/123/gizmo/http/MGR_1_2/\(segment)/x",
                     "/connect/123/gizmo/ws/\(segment)"] {
            #expect(throws: ConnectTarget.Refusal.badPath, "\(path)") { try ConnectTarget.parse(path: path, query: "q=1") }
        }
    }

    @Test(arguments: [
        // as sent -> as passed on
        ("MGR_1_2/a%20b.png", "MGR_1_2/a%20b.png"),
        ("x%2d%2E%5f%7e", "x-._~"),                   // unreserved bytes are not escaped
        ("a;b", "a%3Bb"), ("a%3bb", "a%3Bb"),         // no path parameters
        ("a%3Fb", "a%3Fb"), ("a%23b", "a%23b"), ("a#b", "a%23b"), // no query or fragment inside
        ("%C3%A9t%C3%A9", "%C3%A9t%C3%A9"), ("été", "%C3%A9t%C3%A9"),
        ("...", "..."), (".hidden", ".hidden"), ("a..b", "a..b"),
        ("a//b", "a//b"), ("x/", "x/"),
        ("a+b:c@d!$&'()*,=", "a%2Bb%3Ac%40d%21%24%26%27%28%29%2A%2C%3D"),
    ])
    func aPathIsPassedOnDecodedOnceAndCanonicallyEncoded(sent: String, passed: String) throws {
        let target = try ConnectTarget.parse(path: "/connect/80/gizmo/http/\(sent)", query: nil)
        #expect(target.path == "/gizmo/http/\(passed)")
    }

    @Test(arguments: [
        ("a=1&b=2", "a=1&b=2"), ("q=%FF%fe", "q=%FF%fe"), ("q=a b", "q=a%20b"), ("q=100%", "q=100%25"),
        ("q=%zz", "q=%25zz"), ("a=\"<>\"", "a=%22%3C%3E%22"), ("x={|}^`", "x=%7B%7C%7D%5E%60"),
        ("p=/a/b?c:d@e", "p=/a/b?c:d@e"), ("q=é", "q=%C3%A9"), ("", ""),
    ])
    func theQueryIsPassedAsSentWithOnlyWhatAQueryMayNotHoldEscaped(sent: String, passed: String) throws {
        let target = try ConnectTarget.parse(path: "/connect/80/gizmo/http/x", query: sent)
        #expect(target.query == passed)
    }

    /// AsyncHTTPClient decodes the URL's path to check it and sends `/` when
    /// that fails: the URL built must give back exactly the path and query
    /// that were checked.
    @Test(arguments: ["MGR_1_2/index.html", "a%20b/%C3%A9.png", "a;b/c%3Fd", "x#y", "%E2%80%AE.js"])
    func theTargetURLGivesBackThePathAndQueryThatWereChecked(sent: String) throws {
        let target = try ConnectTarget.parse(path: "/connect/80/gizmo/http/\(sent)", query: "v=1&w=a%FF b")
        let url = try #require(URL(string: target.httpURL))
        #expect(!url.path.isEmpty)
        #expect(URLComponents(url: url, resolvingAgainstBaseURL: true)?.percentEncodedPath == target.path)
        #expect(url.query == target.query)
        #expect(url.host == "127.0.0.1")
        #expect(url.port == 80)
    }
}
