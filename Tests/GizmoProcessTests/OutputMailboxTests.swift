import Synchronization
import Testing
@testable import GizmoProcess

/// The bounded mailbox between a program's readers and its Lua state.
struct OutputMailboxTests {
    @Test func aFullMailboxHoldsItsReaderUntilTheLinesAreTaken() async throws {
        let readies = Atomic<Int>(0)
        let mailbox = OutputMailbox(capacity: 100, keepsLines: true) { readies.add(1, ordering: .relaxed) }
        await mailbox.offer(["a"], from: .stdout) // 33 bytes: room left, returns at once
        #expect(readies.load(ordering: .relaxed) == 1)
        let passed = Atomic<Bool>(false)
        let reader = Task {
            await mailbox.offer([String(repeating: "x", count: 80)], from: .stderr)
            passed.store(true, ordering: .relaxed)
        }
        #expect(try await eventually { mailbox.heldBytes >= 100 })
        let held = !passed.load(ordering: .relaxed)
        #expect(held) // still held: nothing took the lines
        let events = mailbox.take()
        await reader.value
        let through = passed.load(ordering: .relaxed)
        #expect(through)
        #expect(events == [.line(.stdout, "a"), .line(.stderr, String(repeating: "x", count: 80))])
        #expect(mailbox.heldBytes == 0)
        #expect(mailbox.highWater == 145)
    }

    @Test func aStandInsLinesArriveWithoutWaitingEvenPastTheCapacity() {
        let readies = Atomic<Int>(0)
        let mailbox = OutputMailbox(capacity: 10, keepsLines: true) { readies.add(1, ordering: .relaxed) }
        mailbox.deliver(["a", "b"], from: .stdout) // past the capacity, and no wait (a synchronous call)
        mailbox.deliver(["c"], from: .stderr)
        #expect(readies.load(ordering: .relaxed) == 1)
        #expect(mailbox.take() == [.line(.stdout, "a"), .line(.stdout, "b"), .line(.stderr, "c")])
        let dropped = OutputMailbox(keepsLines: false) { readies.add(1, ordering: .relaxed) }
        dropped.deliver(["x"], from: .stdout)
        #expect(dropped.take() == [])
        #expect(readies.load(ordering: .relaxed) == 1)
    }

    @Test func onlyTheFirstEventIntoAnEmptyMailboxAsksForATurn() async {
        let readies = Atomic<Int>(0)
        let mailbox = OutputMailbox(keepsLines: true) { readies.add(1, ordering: .relaxed) }
        await mailbox.offer(["1"], from: .stdout)
        await mailbox.offer(["2"], from: .stdout)
        mailbox.finish(.exited(0))
        #expect(readies.load(ordering: .relaxed) == 1)
        #expect(mailbox.take() == [.line(.stdout, "1"), .line(.stdout, "2"), .exit(.exited(0))])
        mailbox.finish(.signaled(15))
        #expect(readies.load(ordering: .relaxed) == 2)
    }

    @Test func withoutOnLineOrOnceDiscardedLinesAreDropped() async {
        let dropping = OutputMailbox(keepsLines: false) {}
        await dropping.offer(["lost"], from: .stdout)
        dropping.finish(.exited(1))
        #expect(dropping.take() == [.exit(.exited(1))])

        let mailbox = OutputMailbox(capacity: 10, keepsLines: true) {}
        let reader = Task { await mailbox.offer(["more than ten bytes"], from: .stdout) }
        _ = try? await eventually { mailbox.heldBytes > 0 }
        mailbox.discard() // the state closed: the reader goes on, the lines go nowhere
        await reader.value
        await mailbox.offer(["after"], from: .stdout)
        #expect(mailbox.take() == [])
    }
}

/// Polls until `condition` holds, for up to 30 s.
func eventually(seconds: Double = 30, _ condition: () async -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try await Task.sleep(for: .milliseconds(10))
    }
    return await condition()
}
