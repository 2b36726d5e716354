import Foundation
@testable import GizmoHarness
import GizmoLua
import Logging
import Synchronization
import Testing

/// `gizmolua test` on the harness's own fixtures (Tests/harness): every
/// feature of gizmo.test on a real gizmo, and the report of failures.
@Suite struct HarnessRunTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("harness")

    /// Runs the test files under `path` on a thread of their own, as the command does.
    static func run(_ path: String) async -> (TestRunner.Summary, String) {
        let lines = Mutex<[String]>([])
        let summary = await withCheckedContinuation { (continuation: CheckedContinuation<TestRunner.Summary, Never>) in
            Thread {
                var logger = Logger(label: "harness-test")
                logger.logLevel = .critical
                let runner = TestRunner(limits: SessionLimits(), serviceLimits: SessionLimits(), logger: logger) { line in
                    lines.withLock { $0.append(line) }
                }
                continuation.resume(returning: runner.run(paths: [path]))
            }.start()
        }
        return (summary, lines.withLock { $0.joined(separator: "\n") })
    }

    @Test func everyFeatureWorksOnARealGizmo() async {
        let (summary, output) = await Self.run(Self.fixtures.appendingPathComponent("shop").path)
        #expect(summary.failed == 0, "\(output)")
        #expect(summary.passed == 11, "\(output)")
        #expect(output.hasSuffix("s)"))
        #expect(output.contains("11 passed, 0 failed"))
    }

    @Test func aFailureNamesItsLineAndShowsThePage() async {
        let (summary, output) = await Self.run(Self.fixtures.appendingPathComponent("failing").path)
        #expect(summary.passed == 1)
        #expect(summary.failed == 2)
        #expect(output.contains("FAIL  \(Self.fixtures.path)/failing/failing_test.lua:5  fails at line 5"), "\(output)")
        #expect(output.contains("expected the text to contain \"something\""), "\(output)")
        #expect(output.contains("| nothing here"), "\(output)")
        #expect(output.contains("failing_test.lua:8: arithmetic"), "\(output)")
        #expect(output.contains("1 passed, 2 failed"))
    }

    @Test func aMissingPathIsAFailure() async {
        let (summary, output) = await Self.run("/no/such/folder")
        #expect(summary.failed == 1)
        #expect(output.contains("no such file or folder"))
    }
}
