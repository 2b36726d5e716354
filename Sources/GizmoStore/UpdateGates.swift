import Foundation
import Synchronization

/// One writer at a time per key for `update`: compare-and-set alone keeps
/// every update, but with a hundred writers of one key each would lose its
/// race to the others again and again (every commit makes all the waiting
/// writers' reads stale). A writer that holds its key's gate reads, computes
/// and writes without being overtaken. The gate only orders writers: the
/// write is still a compare-and-set, so a writer that gave up waiting (the
/// holder is slow or stuck) and went on is still never lost.
final class UpdateGates: Sendable {
    private final class Gate: @unchecked Sendable {
        let condition = NSCondition()
        var held = false // guarded by condition
    }

    private let gates = Mutex<[String: (gate: Gate, users: Int)]>([:])

    /// Waits until this caller holds the key's gate, at most `timeout`
    /// seconds; false when it did not get it (go on without it).
    func enter(_ key: String, timeout: Double) -> Bool {
        let gate = gates.withLock { gates -> Gate in
            let gate = gates[key]?.gate ?? Gate()
            gates[key] = (gate, (gates[key]?.users ?? 0) + 1)
            return gate
        }
        let deadline = Date(timeIntervalSinceNow: timeout)
        gate.condition.lock()
        while gate.held {
            if !gate.condition.wait(until: deadline) { break }
        }
        let entered = !gate.held
        if entered { gate.held = true }
        gate.condition.unlock()
        if !entered { done(with: key) }
        return entered
    }

    /// Leaves the key's gate (only a caller whose `enter` answered true).
    func leave(_ key: String) {
        guard let gate = gates.withLock({ $0[key]?.gate }) else { return }
        gate.condition.lock()
        gate.held = false
        gate.condition.signal()
        gate.condition.unlock()
        done(with: key)
    }

    private func done(with key: String) {
        gates.withLock { gates in
            guard let entry = gates[key] else { return }
            gates[key] = entry.users > 1 ? (entry.gate, entry.users - 1) : nil
        }
    }
}
