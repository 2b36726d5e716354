import ArgumentParser
import Foundation
import GizmoHarness
import Logging

/// `gizmolua test [PATH ...]`: a gizmo's own tests (`*_test.lua`), against
/// simulated pages in this process; no browser, no port (docs/testing.md).
struct TestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run the gizmo tests (*_test.lua) under the paths, against simulated pages.",
        discussion: """
        Each test opens its scripts in this process with a simulated page, a simulated clock \
        (t.advance) and scripted programs (t.fake_run); see docs/testing.md. Prints one line per \
        test and a closing count; exits 1 when a test fails. The grants and limits are those of \
        `serve`: a test of a script that runs a real program needs --allow-run as the server would.
        Environment: GIZMO_LOG_LEVEL (default critical: a script's errors show in its test's report; info shows its gz.log lines).
        """
    )

    @Argument(help: "Test files, or folders to search for *_test.lua (default: the current folder).")
    var paths: [String] = []

    @OptionGroup var limits: LimitOptions

    func run() async throws {
        let logger = Terminal.bootstrapLogging(defaultLevel: .critical)
        let (sessionLimits, serviceLimits, storeLimits) = (limits.limits, limits.serviceLimits, limits.storeLimits)
        let paths = self.paths.isEmpty ? ["."] : self.paths
        // The runner blocks while sessions run on Swift's pool: a thread of its own.
        let summary = await withCheckedContinuation { (continuation: CheckedContinuation<TestRunner.Summary, Never>) in
            let thread = Thread {
                let runner = TestRunner(limits: sessionLimits, serviceLimits: serviceLimits, storeLimits: storeLimits,
                                        logger: logger) { line in
                    FileHandle.standardOutput.write(Data((line + "\n").utf8))
                }
                continuation.resume(returning: runner.run(paths: paths))
            }
            thread.stackSize = 16 << 20
            thread.start()
        }
        if summary.failed > 0 { throw ExitCode(1) }
    }
}
