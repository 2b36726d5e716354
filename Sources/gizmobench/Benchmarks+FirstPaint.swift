import Foundation

extension Benchmarks {
    /// Issue 16's first paint: a fresh server (in a container's environment,
    /// so hello_env shows the same rows on every machine); its hello_env page
    /// captured once as the browser shows it, scripts removed, and served by
    /// the bench (``StaticFloor``); then `firstPaintRounds` rounds, after
    /// `firstPaintWarmup`, each opening the entry URL, then the copy, each in
    /// a fresh tab of one headless Chromium with its cache disabled.
    func firstPaint(_ helper: FirstPaintHelper) async throws -> FirstPaintFigures {
        let server = try await ServerProcess.start(
            binary: binary, folder: folder, name: "first-paint", arguments: [],
            environment: Self.containerEnvironment(dataFolder: folder.logs.appending(path: "data")))
        defer { server.stop() }
        let entryURL = "http://127.0.0.1:\(server.port)/?module=\(BenchFolder.module)&script=\(Self.helloEnv)"
        let childPageBytes = try await childPageSize(port: server.port, entryURL: entryURL)
        let copy = try await helper.capture(entryURL)
        return try await StaticFloor.serving(copy) { floorURL in
            let run = try await helper.measure([entryURL, floorURL], rounds: settings.firstPaintRounds,
                                               warmup: settings.firstPaintWarmup)
            return FirstPaintFigures(run, childPageBytes: childPageBytes, staticBytes: copy.utf8.count)
        }
    }

    /// The child page's size as served: what the browser loads after the redirect.
    private func childPageSize(port: Int, entryURL: String) async throws -> Int {
        let entry = EntryClient(port: port)
        do {
            let (redirect, _) = try await entry.get(entryURL)
            guard let location = redirect.headers.first(name: "location") else {
                throw BenchError("GET \(entryURL) answered \(redirect.status) with no Location")
            }
            let (_, page) = try await entry.get("http://127.0.0.1:\(port)/" + location.drop { $0 == "/" })
            try await entry.shutdown()
            return page.readableBytes
        } catch {
            try? await entry.shutdown()
            throw error
        }
    }
}
