import Foundation
import Synchronization

/// One writer at a time per key for `update`: compare-and-set alone keeps
/// every update, but with a hundred writers of one key each would lose its
/// race to the others again and again (every commit makes all the waiting
/// writers' reads stale). A writer that holds its key's gate reads, computes
/// and writes without being overtaken. The gate only orders writers: the
/// write is still a compare-and-set, so nothing is lost when a gate is
/// broken.
///
/// Nobody blocks a thread here. A writer that finds the gate held queues a
/// callback and lets its thread go (its Lua coroutine waits); `leave` hands
/// the gate to the first in the queue by calling it. A holder keeps the gate
/// for one turn at most (its state leaves what it holds when the turn ends),
/// so a gate held past `breakAfter` belongs to a turn that is stuck, and the
/// next writer to come breaks it.
public final class UpdateGates: Sendable {
    /// Who holds a gate: compared on leave, so a broken holder that finally
    /// leaves cannot open the gate under its new holder.
    public typealias Hold = UInt64

    private struct Gate {
        var holder: Hold
        var since: ContinuousClock.Instant
        var queue: [(hold: Hold, granted: @Sendable (Hold) -> Void)] = []
    }

    private struct State {
        var gates: [String: Gate] = [:]
        var lastHold: Hold = 0
    }

    private let state = Mutex<State>(State())
    private let breakAfter: Duration

    public init(breakAfter: Duration = .seconds(10)) {
        self.breakAfter = breakAfter
    }

    public enum Entry: Sendable, Equatable {
        /// The gate is the caller's now.
        case entered(Hold)
        /// The gate is held; `granted` will be called with the hold once it is the caller's.
        case queued
    }

    /// Takes the key's gate, or queues `granted` for when it is free.
    public func enter(_ key: String, granted: @escaping @Sendable (Hold) -> Void) -> Entry {
        let now = ContinuousClock.now
        var handOff: (Hold, @Sendable (Hold) -> Void)?
        let entry = state.withLock { state -> Entry in
            state.lastHold += 1
            let hold = state.lastHold
            guard var gate = state.gates[key] else {
                state.gates[key] = Gate(holder: hold, since: now)
                return .entered(hold)
            }
            gate.queue.append((hold, granted))
            if now - gate.since > breakAfter {
                // The holder's turn is stuck: the first in line goes on.
                let next = gate.queue.removeFirst()
                gate.holder = next.hold
                gate.since = now
                handOff = (next.hold, next.granted)
            }
            state.gates[key] = gate
            return .queued
        }
        if let (hold, granted) = handOff { granted(hold) }
        return entry
    }

    /// Leaves the key's gate, handing it to the first writer waiting.
    public func leave(_ key: String, hold: Hold) {
        let next = state.withLock { state -> (Hold, @Sendable (Hold) -> Void)? in
            guard var gate = state.gates[key], gate.holder == hold else { return nil }
            guard !gate.queue.isEmpty else {
                state.gates[key] = nil
                return nil
            }
            let next = gate.queue.removeFirst()
            gate.holder = next.hold
            gate.since = .now
            state.gates[key] = gate
            return (next.hold, next.granted)
        }
        if let (hold, granted) = next { granted(hold) }
    }

    /// Gates held now (tests).
    public var heldCount: Int { state.withLock { $0.gates.count } }
}
