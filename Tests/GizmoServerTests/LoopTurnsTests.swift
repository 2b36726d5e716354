import Foundation
@testable import GizmoLua
@testable import GizmoServer
import GizmoStore
import GizmoTestFixtures
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// A page's turns run on its connection's event loop (issue 16): a session
/// that spins for its whole CPU limit moves off the loop, and the other
/// sessions on that loop keep answering while it spins.
@Suite(.serialized)
struct LoopTurnsTests {
    /// The click counter whose first click spins: reading the store until
    /// the test says the other pages were answered (so they provably were
    /// while it spun, on any machine), then without a pause until the CPU
    /// limit stops it.
    static let spinner = GizmoApplicationTests.counter.replacingOccurrences(
        of: "    n = n + 1\n",
        with: """
                n = n + 1
                if n == 1 then
                    while gz.store.get("answered") == nil do end
                    while true do end
                end

            """
    )

    @Test func otherSessionsKeepAnsweringWhileOneSpinsForItsWholeCPULimit() async throws {
        #expect(Self.spinner != GizmoApplicationTests.counter)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        // A limit of 10 s: the spinner is let go as soon as the other pages
        // have their answers (well under a millisecond each, unloaded), then
        // spins out its limit.
        let data = TemporaryFolder()
        let backend = try SQLiteStore(path: data.url.appendingPathComponent("store.sqlite").path)
        let stores = StoreDirectory { _ in backend }
        let registry = SessionRegistry(configuration: .init(limits: SessionLimits(cpuSeconds: 10), grace: 60,
                                                            firstPageTimeout: nil, stores: stores), logger: logger)
        let folder = FileManager.default.temporaryDirectory
        let (spinning, _) = try await registry.start(Script(displayPath: "spinner.lua", directory: folder, source: Self.spinner))
        // Connections take the server's loops in turn: twice as many pages
        // as loops, opened one after another, put some beside the spinner's.
        let loops = NIOSingletons.groupLoopCountSuggestion
        var sessions: [Session] = []
        for _ in 0..<(2 * loops) {
            sessions.append(try await registry.start(Script(displayPath: "counter.lua", directory: folder,
                                                            source: GizmoApplicationTests.counter)).0)
        }
        let answering = sessions
        let app = GizmoApplication.build(registry: registry, host: "127.0.0.1", port: 0, logger: logger)

        try await app.test(.live) { client in
            let port = try #require(client.port)
            let spinner = TestPage(port: port, session: spinning.id)
            spinner.hello(page: "spinner")
            let (_, spin) = try await spinner.join()
            var pages: [(page: TestPage, callback: Int)] = []
            for (i, session) in answering.enumerated() {
                let page = TestPage(port: port, session: session.id)
                page.hello(page: "answering-\(i)")
                pages.append((page, try await page.join().callback))
            }

            spinner.click(spin, page: "spinner", m: 1)
            #expect(try await eventually(seconds: 60) { spinning.vm.turnStart != nil })
            for round in 1...3 {
                for (i, page) in pages.enumerated() { page.page.click(page.callback, page: "answering-\(i)", m: round) }
                for page in pages {
                    #expect(try await page.page.update().text == "clicked \(round)")
                }
            }
            // Every page was answered while the spinner's turn still ran.
            #expect(spinning.vm.turnStart != nil, "the spinning turn ended before the others were answered")
            _ = try stores.store(in: spinning.vm.dataFolder.root).set("answered", json: "true")

            // It ends with the usual CPU-limit error, and the session goes on.
            let stopped = try await spinner.frame()
            let error = stopped.first { $0["op"] as? String == "error" }
            #expect((error?["msg"] as? String)?.contains("CPU limit") == true)
            spinner.click(spin, page: "spinner", m: 2)
            #expect(try await spinner.update().text == "clicked 2")

            await spinner.close()
            for page in pages { await page.page.close() }
        }
    }
}
