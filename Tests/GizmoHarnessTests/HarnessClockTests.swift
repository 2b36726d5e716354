@testable import GizmoHarness
import Synchronization
import Testing

@Suite struct HarnessClockTests {
    @Test func timersFireInDueOrderAndTiesInTheOrderSet() async {
        let clock = HarnessClock()
        let fired = Mutex<[String]>([])
        _ = clock.schedule(after: 2) { fired.withLock { $0.append("b") } }
        _ = clock.schedule(after: 1) { fired.withLock { $0.append("a") } }
        _ = clock.schedule(after: 2) { fired.withLock { $0.append("c") } }
        let cancelled = clock.schedule(after: 1.5) { fired.withLock { $0.append("cancelled") } }
        cancelled.cancel()
        while let fire = clock.takeNext(until: 1.9) { await fire() }
        #expect(fired.withLock { $0 } == ["a"])
        #expect(clock.now == 1.9)
        while let fire = clock.takeNext(until: 10) { await fire() }
        #expect(fired.withLock { $0 } == ["a", "b", "c"])
        #expect(clock.now == 10)
        #expect(clock.pendingCount == 0)
    }
}
