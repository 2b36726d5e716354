import GizmoGrants
@testable import GizmoLua
import Testing

/// gz.fetch's arguments, checked where they enter (the messages scripts see
/// are FetchTests'; here, what passes and the port each URL means).
struct FetchRequestTests {
    func request(_ url: String, headers: String? = nil) throws(FetchRequest.Refusal) -> FetchRequest {
        try FetchRequest(url: url, method: nil, headerLines: headers, body: nil, timeout: nil)
    }

    @Test func theEffectivePortIsTheURLsOrTheSchemes() throws {
        #expect(try request("http://Example.COM/a").port == 80)
        #expect(try request("https://example.com/a").port == 443)
        #expect(try request("http://example.com:8080/a").port == 8080)
        #expect(try request("http://Example.COM/a").host == "example.com")
        #expect(try request("http://[::1]:9/").host == "::1")
        #expect(try request("http://127.0.0.1/").method == "GET")
        #expect(try request("http://127.0.0.1/").timeout == 30)
    }

    @Test func theGrantsDecideOnHostAndPort() throws {
        let grants = Grants(net: [.init(host: "example.com", port: 443), .init(host: "::1")])
        #expect(try request("https://example.com/").refusal(grants) == nil)
        #expect(try request("http://example.com/").refusal(grants) != nil)
        #expect(try request("http://[::1]:9/").refusal(grants) == nil)
        #expect(try request("http://[::1]:9/").refusal(.none)
            == "gz.fetch: reaching \"[::1]:9\" is not allowed; start gizmolua with --allow-net=[::1]:9")
    }

    @Test func headersAreNamesAndValuesWithoutBreaks() throws {
        let parsed = try request("http://h/", headers: "Accept:text/plain\nX-Empty:")
        #expect(parsed.headers.map(\.name) == ["Accept", "X-Empty"])
        #expect(parsed.headers.map(\.value) == ["text/plain", ""])
        #expect(throws: FetchRequest.Refusal.self) { try request("http://h/", headers: "Host:elsewhere") }
        #expect(throws: FetchRequest.Refusal.self) { try request("http://h/", headers: "Transfer-Encoding:chunked") }
        #expect(throws: FetchRequest.Refusal.self) { try request("http://h/", headers: "X:a\u{0}b") }
        let many = (0...64).map { "X-\($0):v" }.joined(separator: "\n")
        #expect(throws: FetchRequest.Refusal.self) { try request("http://h/", headers: many) }
    }

    @Test func urlsThatAreNotHTTPOrNameNoHostAreRefused() {
        for url in ["file:///etc/passwd", "http:///path", "javascript:alert(1)", "", "http://h/\n", String(repeating: "a", count: 9000)] {
            #expect(throws: FetchRequest.Refusal.self) { try request(url) }
        }
    }
}
