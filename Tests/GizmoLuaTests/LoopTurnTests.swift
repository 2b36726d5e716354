import Foundation
@testable import GizmoLua
import GizmoTestFixtures
import Synchronization
import Testing

/// Turns run where a page's message was read (``GizmoVM/receiveHere(_:from:)``,
/// the connection's event loop in a server): past a slice the handler pauses
/// and the turn's rest runs on the session's queue, as if nothing had moved.
/// The loops below run millions of VM instructions, far past the slice on
/// any machine, under a CPU limit of a minute that a starved machine cannot
/// reach by accident; no test asserts how long anything took.
struct LoopTurnTests {
    /// A page whose handler counts to `count` before it shows what it did.
    static func counting(_ body: String) -> String {
        """
        local gz = require("gizmo")
        local out = gz.Text("idle")
        gz.Stack({
            gz.Button("go", {on_click = function()
                \(body)
            end}),
            gz.Button("ok", {on_click = function() out:text("still alive") end}),
            out,
        }):show()
        """
    }

    static let patient = SessionLimits(cpuSeconds: 60)

    static func click(_ callback: Int) -> String {
        #"{"t":"call","cb":\#(callback),"args":[{"type":"click"}]}"#
    }

    /// Runs `message` as the page's reader does: here when the VM lets it,
    /// else on the queue; then waits until the queue is idle.
    static func deliver(_ message: String, to harness: VMHarness) async throws {
        if !harness.vm.receiveHere(message, from: 0) { await harness.vm.receive(message) }
        try await settle(harness)
    }

    /// Waits until the VM's executor is idle and forgets that its last turns
    /// ran long: the hello's render, on a starved machine, may have kept the
    /// session off the loop for a second.
    static func ready(_ harness: VMHarness) async throws {
        try await settle(harness)
        harness.vm.offLoopUntil.store(0, ordering: .relaxed)
    }

    /// Waits until the VM's executor is idle: no job runs or waits (the
    /// queue's thread lets go of it just after its last job, so a page's
    /// next message may run here).
    static func settle(_ harness: VMHarness) async throws {
        #expect(try await eventually { harness.vm.executor.runInline { true } != nil })
    }

    static func texts(_ commands: [Command]) -> [String] {
        commands.filter { $0.op == "text" }.compactMap { $0.string("v") }
    }

    @Test func aLongTurnMovesToTheQueueAndSendsOneFrameAtItsEnd() async throws {
        let harness = try await VMHarness(Self.counting("""
            out:text("started")
            local x = 0
            for i = 1, 2e6 do x = i end
            out:text("counted " .. x)
            """), limits: Self.patient)
        try await harness.hello()
        try await Self.ready(harness)
        let go = try #require(harness.callback(label: "go"))
        #expect(harness.vm.receiveHere(Self.click(go), from: 0))
        // The loop let go with the handler paused: no frame, not even half of one.
        #expect(harness.take().isEmpty)
        #expect(harness.vm.turnStart != nil) // the turn still runs, for the watchdog
        try await Self.settle(harness)
        let frame = harness.take()
        #expect(Self.texts(frame) == ["started", "counted 2000000"])
        #expect(harness.vm.turnStart == nil)
        #expect(harness.vm.offLoopUntil.load(ordering: .relaxed) > 0) // it keeps off the loop for a while
    }

    @Test func aShortTurnRunsWhereTheMessageWasRead() async throws {
        let harness = try await VMHarness(Self.counting(#"out:text("quick")"#))
        try await harness.hello()
        try await Self.ready(harness)
        let go = try #require(harness.callback(label: "go"))
        #expect(harness.vm.receiveHere(Self.click(go), from: 0))
        try await Self.settle(harness) // a loaded machine may have paused it all the same
        #expect(Self.texts(harness.take()) == ["quick"])
    }

    @Test func theNextMessageRunsAfterTheRestOfAMovedTurn() async throws {
        let harness = try await VMHarness(Self.counting("""
            for i = 1, 2e6 do end
            out:text("first")
            """), limits: Self.patient)
        try await harness.hello()
        try await Self.ready(harness)
        let go = try #require(harness.callback(label: "go")), ok = try #require(harness.callback(label: "ok"))
        #expect(harness.vm.receiveHere(Self.click(go), from: 0))
        try await Self.deliver(Self.click(ok), to: harness)
        #expect(Self.texts(harness.take()) == ["first", "still alive"])
    }

    @Test func aSpinningHandlerMovesAndStopsAtItsCPULimitAndTheSessionGoesOn() async throws {
        let harness = try await VMHarness(Self.counting("while true do end"), limits: SessionLimits(cpuSeconds: 0.3))
        try await harness.hello()
        try await Self.ready(harness)
        let go = try #require(harness.callback(label: "go")), ok = try #require(harness.callback(label: "ok"))
        #expect(harness.vm.receiveHere(Self.click(go), from: 0))
        try await Self.settle(harness)
        let error = harness.take().first { $0.op == "error" }
        #expect(error?.string("msg")?.contains("test.lua:5: CPU limit") == true)
        try await Self.deliver(Self.click(ok), to: harness)
        #expect(Self.texts(harness.take()) == ["still alive"])
    }

    @Test func aScriptsOwnCoroutineAndPcallSeeNoPause() async throws {
        let harness = try await VMHarness(Self.counting("""
            local words = coroutine.wrap(function()
                for i = 1, 2e6 do end
                coroutine.yield("own ")
                coroutine.yield("coroutine")
            end)
            local ok, inside = pcall(function()
                for i = 1, 2e6 do end
                return " and pcall"
            end)
            out:text(words() .. words() .. inside .. " " .. tostring(ok))
            """), limits: Self.patient)
        try await harness.hello()
        try await Self.ready(harness)
        let go = try #require(harness.callback(label: "go"))
        try await Self.deliver(Self.click(go), to: harness)
        #expect(Self.texts(harness.take()) == ["own coroutine and pcall true"])
    }

    @Test func aHandlerMovesBeforeAHostCallThatMayBlock() async throws {
        let folder = TemporaryFolder()
        let harness = try await VMHarness(Self.counting("""
            out:text("before")
            gz.store.set("k", "stored")
            out:text("after: " .. gz.store.get("k"))
            """), stores: folder.storeDirectory())
        try await harness.hello()
        try await Self.ready(harness)
        let go = try #require(harness.callback(label: "go"))
        #expect(harness.vm.receiveHere(Self.click(go), from: 0))
        // Not a slice: the store's call itself sent the turn to the queue.
        #expect(harness.take().isEmpty)
        try await Self.settle(harness)
        #expect(Self.texts(harness.take()) == ["before", "after: stored"])
    }

    @Test func aHandlerCannotPassItselfOffAsPaused() async throws {
        // Were any yielded value the pause's marker, the runtime would keep
        // the handler for a "resume" turn that never comes, and every later
        // handler behind it.
        let harness = try await VMHarness(Self.counting(#"coroutine.yield("gizmo.pause\0")"#))
        try await harness.hello()
        try await Self.ready(harness)
        let go = try #require(harness.callback(label: "go")), ok = try #require(harness.callback(label: "ok"))
        try await Self.deliver(Self.click(go), to: harness)
        #expect(harness.take().contains { $0.string("msg")?.contains("called coroutine.yield") == true })
        try await Self.deliver(Self.click(ok), to: harness)
        #expect(Self.texts(harness.take()) == ["still alive"])
    }

    @Test func aSleepingHandlerStartedOnTheLoopWakesOnTheQueue() async throws {
        let harness = try await VMHarness(Self.counting("""
            out:text("sleeping")
            gz.sleep(0.01)
            out:text("awake")
            """))
        try await harness.hello()
        try await Self.ready(harness)
        let go = try #require(harness.callback(label: "go"))
        try await Self.deliver(Self.click(go), to: harness)
        let seen = try await harness.waitFor(seconds: 30) { Self.texts($0).contains("awake") }
        #expect(Self.texts(seen) == ["sleeping", "awake"])
    }

    @Test func anInlineRunIsRefusedWhileAJobRunsAndHoldsTheExecutorOtherwise() async throws {
        let executor = QueueExecutor(label: "test")
        let released = Mutex(false)
        let (started, running) = AsyncStream.makeStream(of: Void.self)
        let job = Task(executorPreference: executor) {
            running.yield()
            while !released.withLock({ $0 }) { usleep(100) } // holds the queue's thread
        }
        for await _ in started { break }
        #expect(executor.runInline { true } == nil)
        released.withLock { $0 = true }
        await job.value
        // The queue's thread lets go of the executor just after its last job.
        #expect(try await eventually { executor.runInline { executor.isIsolatingCurrentContext() } == true })
        #expect(executor.isIsolatingCurrentContext() == false)
    }
}
