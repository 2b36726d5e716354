import Foundation
import Testing
@testable import GizmoProcess

/// /proc/PID/stat and status, as gz.process reads them.
struct ProcessStatsTests {
    @Test func aCommandNameWithSpacesAndParenthesesDoesNotShiftTheFields() {
        let stat = "4242 (my (odd) job) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0 100 12345 67 "
            + "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0"
        let status = "Name:\tmy (odd) job\nState:\tS (sleeping)\nVmRSS:\t    1024 kB\nThreads:\t3\n"
        let stats = ProcessStats.parse(stat: stat, status: status, ticksPerSecond: 100)
        #expect(stats == ProcessStats(state: "S", cpuSeconds: 3.0, rssBytes: 1_048_576, threads: 3))
        #expect(ProcessStats.parse(stat: "garbage", status: "", ticksPerSecond: 100) == nil)
    }

    @Test func theStatsOfThisProcessAndOfNoProcess() {
        let stats = ProcessStats.read(pid: getpid())
        #expect(stats != nil)
        #expect((stats?.threads ?? 0) >= 1)
        #expect((stats?.rssBytes ?? 0) > 0)
        #expect(ProcessStats.isRunning(pid: getpid()))
        #expect(ProcessStats.read(pid: 0) == nil)
        #expect(!ProcessStats.isRunning(pid: 0))
        #expect(!ProcessStats.isRunning(pid: -1))
    }
}
