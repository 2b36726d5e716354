import Foundation
import GizmoStore
import Synchronization
import Testing

/// One updater per key, handed on in order, never held by a stuck turn for good.
struct UpdateGatesTests {
    final class Grants: Sendable {
        let holds = Mutex<[UpdateGates.Hold]>([])
        func note(_ hold: UpdateGates.Hold) { holds.withLock { $0.append(hold) } }
        var all: [UpdateGates.Hold] { holds.withLock { $0 } }
    }

    @Test func theGateIsHandedOnInTheOrderAsked() throws {
        let gates = UpdateGates()
        let grants = Grants()
        guard case .entered(let first) = gates.enter("k", granted: grants.note) else { Issue.record("not entered"); return }
        #expect(gates.enter("k", granted: grants.note) == .queued)
        #expect(gates.enter("k", granted: grants.note) == .queued)
        // Another key is another gate.
        guard case .entered(let other) = gates.enter("other", granted: grants.note) else { Issue.record("not entered"); return }
        gates.leave("k", hold: first)
        #expect(grants.all.count == 1)
        // A hold that is not the holder's opens nothing.
        gates.leave("k", hold: first)
        #expect(grants.all.count == 1)
        gates.leave("k", hold: grants.all[0])
        #expect(grants.all.count == 2)
        #expect(grants.all[0] < grants.all[1])
        gates.leave("k", hold: grants.all[1])
        gates.leave("other", hold: other)
        #expect(gates.heldCount == 0)
    }

    @Test func aGateHeldPastItsTimeIsBrokenByTheNextUpdater() {
        let gates = UpdateGates(breakAfter: .zero)
        let grants = Grants()
        guard case .entered(let stuck) = gates.enter("k", granted: grants.note) else { Issue.record("not entered"); return }
        // The holder's turn is stuck: the next updater goes on at once.
        #expect(gates.enter("k", granted: grants.note) == .queued)
        #expect(grants.all.count == 1)
        // The stuck holder leaving later does not open the gate under its new holder.
        gates.leave("k", hold: stuck)
        #expect(gates.heldCount == 1)
        gates.leave("k", hold: grants.all[0])
        #expect(gates.heldCount == 0)
    }
}
