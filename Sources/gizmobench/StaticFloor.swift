import Hummingbird
import Logging

/// The floor of the first-paint row: one HTML document (the static copy of a
/// child page) served on loopback by the bench itself, with Hummingbird, as
/// gizmolua serves the child page (the same headers, no redirect), so the
/// two differ only in what the gizmo's page does to appear.
struct StaticFloor {
    static let path = "/floor.html"

    /// Serves `html` at ``path`` on 127.0.0.1 (a port of the kernel's
    /// choice) while `body` runs, with the page's URL.
    static func serving<T>(_ html: String, _ body: (String) async throws -> T) async throws -> T {
        let router = Router()
        let page = ByteBuffer(string: html)
        router.get(RouterPath(path)) { _, _ in
            // As gizmolua's child page: never cached, UTF-8.
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                     body: .init(byteBuffer: page))
        }
        var logger = Logger(label: "gizmobench-floor")
        // Cancelled, the server logs its keep-alive connections' ends as
        // errors; a floor that does not start throws below.
        logger.logLevel = .critical
        let (ports, found) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { found.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let server = Task {
            defer { found.finish() }  // a server that could not start ends the wait below
            try await app.runService(gracefulShutdownSignals: [])
        }
        defer { server.cancel() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw BenchError("the static floor did not start") }
        return try await body("http://127.0.0.1:\(port)\(path)")
    }
}
