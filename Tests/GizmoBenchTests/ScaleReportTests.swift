import Testing
@testable import gizmobench

/// The scale run's table, whose rows docs/performance.md takes as they are.
struct ScaleReportTests {
    static let step = ScaleFigures.Step(
        sessions: 5_000, openSeconds: 9.6, opensPerSecond: 520, serverRssKib: 890_880, kibPerSession: 169.1,
        stepKibPerSession: 169.1, serverFiles: 5_025, clientFiles: 5_038, clientRssKib: 57_344,
        memAvailableKib: 21_915_000, idleCpuPercent: 1.0, lostSockets: 0, probesAnswered: 10, probesSent: 10,
        probeMaxMs: 0.8, probeFailure: nil)

    @Test func aRowHasACellUnderEachHeading() {
        let cells = ScaleReport.row(Self.step).split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
        #expect(cells.count == ScaleReport.header.count)
        #expect(ScaleReport.row(Self.step) == "| 5000 | 9.6 | 520 | 870 | 169.1 | 169.1 | 5025 | 5038 | 56 | 20.9 | 1.0 | 0 | 10/10 | 0.8 |")
    }

    @Test func theHeldRowOpensNothing() {
        var held = Self.step
        held.openSeconds = 0
        held.stepKibPerSession = nil
        held.idleCpuPercent = nil
        held.probeMaxMs = nil
        #expect(ScaleReport.row(held) == "| 5000 | held |  | 870 | 169.1 |  | 5025 | 5038 | 56 | 20.9 | ? | 0 | 10/10 |  |")
    }
}
