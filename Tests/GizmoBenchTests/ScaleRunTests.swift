import Foundation
import NIOCore
import Testing
@testable import gizmobench

/// Small scale runs against the gizmolua built beside these tests, one
/// at a time (the bench's temp folder is named after the process).
@Suite(.serialized)
struct ScaleRunTests {
    /// The package folder, where the bench copies hello_env from.
    static let packageRoot = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The gizmolua `swift test` builds beside the tests' executable.
    static func gizmolua() throws -> URL {
        let tests = try #require(Bundle.main.executableURL, "the tests' executable has no URL")
        let binary = tests.deletingLastPathComponent().appending(path: "gizmolua")
        try #require(FileManager.default.isExecutableFile(atPath: binary.path),
                     "no gizmolua beside the tests at \(binary.path): run swift build first")
        return binary
    }

    /// Ramps `plan` up against a fresh server with `--max-sessions maxSessions`;
    /// `check` sees the outcome while the sessions are still held.
    static func ramp(_ plan: ScalePlan, maxSessions: Int, warmup: Int, parallel: Int,
                     check: (ScaleRamp.Outcome) throws -> Void) async throws {
        let folder = try BenchFolder(packageRoot: packageRoot)
        defer { folder.remove() }
        let server = try await ServerProcess.start(binary: try gizmolua(), folder: folder, name: "scale",
                                                   arguments: ["--max-sessions", String(maxSessions), "--no-reload"],
                                                   timeout: .seconds(60))
        defer { server.stop() }
        let entry = EntryClient(port: server.port)
        var settings = ScaleRamp.Settings()
        settings.parallel = parallel
        settings.probes = 5
        settings.warmup = warmup
        settings.hold = .zero
        settings.idleWindow = .milliseconds(100)
        settings.memoryFloorKiB = 0
        let outcome = await ScaleRamp(plan: plan, server: server, entry: entry, settings: settings, progress: { _ in }).run()
        defer {
            for page in outcome.held { page.channel.close(promise: nil) }
        }
        try check(outcome)
        try await entry.shutdown()
    }

    @Test func holdsFiftySessionsOverTwoAddresses() async throws {
        try await Self.ramp(try ScalePlan(target: 50, step: 25, addresses: 2), maxSessions: 200, warmup: 5, parallel: 8) { outcome in
            #expect(outcome.stop == .target, "\(outcome.stop.explanation)")
            #expect(outcome.held.count == 50)
            #expect(outcome.steps.map(\.sessions) == [25, 50])
            for step in outcome.steps {
                #expect(step.probesAnswered == 5 && step.probesSent == 5, "\(step.probeFailure ?? "")")
                #expect(step.serverFiles >= step.sessions)
            }
            let sources = Set(outcome.held.compactMap { $0.channel.localAddress?.ipAddress })
            #expect(sources == ["127.0.0.2", "127.0.0.3"])
        }
    }

    /// One launch at a time: launches at once can pass the server's count
    /// together and start a session or two past --max-sessions.
    @Test func aServerAtItsMaxSessionsIsNamed() async throws {
        try await Self.ramp(try ScalePlan(target: 30, step: 10, addresses: 2), maxSessions: 12, warmup: 2, parallel: 1) { outcome in
            #expect(outcome.stop == .serverMaxSessions, "\(outcome.stop.explanation)")
            #expect(outcome.held.count == 12)
        }
    }
}
