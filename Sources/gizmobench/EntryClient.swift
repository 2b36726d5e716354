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
        let entry = try await get(base + "?module=\(module)&script=\(script)")
        guard entry.status == .seeOther, let location = entry.headers.first(name: "location") else {
            throw BenchError("GET /?module=\(module)&script=\(script) answered \(entry.status), not a 303")
        }
        let parts = location.split(separator: "/")
        guard parts.count == 4, parts[0] == "gizmo", parts[1] == "http" else {
            throw BenchError("unexpected launch redirect \(location)")
        }
        let page = try await get(base + location)
        guard page.status == .ok else { throw BenchError("GET \(location) answered \(page.status)") }
        return String(parts[2])
    }

    private func get(_ url: String) async throws -> HTTPClientResponse {
        let response = try await http.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        // Read the body, as a browser does, so the connection goes back to the pool.
        _ = try await response.body.collect(upTo: 4 << 20)
        return response
    }
}
