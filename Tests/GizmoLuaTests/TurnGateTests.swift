import Foundation
import GizmoLua
import Testing

/// The gate of long turns, with more turns spinning at once than there are cores.
@Suite(.serialized)
struct TurnGateTests {
    @Test func spinningTurnsPastOnePerCoreWaitForASlotAndAllStopAtTheirDeadline() throws {
        _ = TurnGate.figures(reset: true)
        let slots = TurnGate.figures().slots
        let spinners = slots + 2
        let stopped = DispatchSemaphore(value: 0)
        let messages = Messages()
        for _ in 0..<spinners {
            Thread.detachNewThread {
                do {
                    let lua = try LuaState(memoryLimit: 0)
                    try lua.load(source: "while true do end", chunkName: "@spin.lua")
                    try lua.call(arguments: 0, results: 0, cpuSeconds: 1)
                    messages.add("returned")
                } catch {
                    messages.add("\(error)")
                }
                stopped.signal()
            }
        }
        for _ in 0..<spinners { stopped.wait() }
        let figures = TurnGate.figures()
        #expect(figures.peak == slots, "never more long turns at once than cores, and as many as there are")
        #expect(figures.waits >= 2, "the turns past one per core waited for a slot")
        #expect(messages.all.count == spinners)
        #expect(messages.all.allSatisfy { $0.contains("CPU limit") }, "\(messages.all)")
    }

    final class Messages: @unchecked Sendable {
        private let lock = NSLock()
        private var list: [String] = []
        func add(_ message: String) { lock.withLock { list.append(message) } }
        var all: [String] { lock.withLock { list } }
    }
}
