import AsyncHTTPClient
import Foundation
import NIOCore

/// What a browser does over HTTP to open a gizmo of `gizmolua serve`:
/// request the entry URL, follow its 303 to the child page, load the page.
struct EntryClient: Sendable {
    let port: Int
    let http: HTTPClient

    init(port: Int) {
        self.port = port
        http = HTTPClient(eventLoopGroupProvider: .singleton,
                          configuration: .init(redirectConfiguration: .disallow))
    }

    func shutdown() async throws {
        try await http.shutdown()
    }

    /// Starts a session of `module`/`script` and loads its child page, as a
    /// browser would; returns the session id.
    func launch(module: String, script: String) async throws -> String {
        let base = "http://127.0.0.1:\(port)/"
        let (entry, _) = try await get(base + "?module=\(module)&script=\(script)")
        guard entry.status == .seeOther, let location = entry.headers.first(name: "location") else {
            throw BenchError("GET /?module=\(module)&script=\(script) answered \(entry.status), not a 303")
        }
        let parts = location.split(separator: "/")
        guard parts.count == 4, parts[0] == "gizmo", parts[1] == "http" else {
            throw BenchError("unexpected launch redirect \(location)")
        }
        let (page, _) = try await get(base + location)
        guard page.status == .ok else { throw BenchError("GET \(location) answered \(page.status)") }
        return String(parts[2])
    }

    /// POST `json` to `url` (the store's `/push/`); throws unless it answers 200.
    func post(_ url: String, json: String) async throws {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: json))
        let response = try await http.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok else { throw BenchError("POST \(url) answered \(response.status): \(String(buffer: body))") }
    }

    /// GET `url` and read its body, as a browser does (so the connection
    /// goes back to the pool).
    func get(_ url: String, timeout: TimeAmount = .seconds(10)) async throws -> (response: HTTPClientResponse, body: ByteBuffer) {
        let response = try await http.execute(HTTPClientRequest(url: url), timeout: timeout)
        return (response, try await response.body.collect(upTo: 4 << 20))
    }
}
