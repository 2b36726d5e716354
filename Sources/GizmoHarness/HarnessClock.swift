import GizmoLua
import Synchronization

/// The simulated clock of one test (`t.advance`): timers of every state
/// the test opened (gz.after, gz.every, gz.sleep, a gz.get's timeout) and of
/// scripted programs come due only when the test moves it, in the order of
/// their due times (ties: the order they were set).
final class HarnessClock: Sendable {
    private struct Pending {
        let due: Double
        let order: Int
        let fire: @Sendable () async -> Void
    }

    private struct State {
        var now: Double = 0
        var pending: [Int: Pending] = [:]
        var lastOrder = 0
    }

    private let state = Mutex(State())

    /// Seconds the test has moved the clock since it began.
    var now: Double { state.withLock { $0.now } }

    /// Timers set and not yet fired nor cancelled.
    var pendingCount: Int { state.withLock { $0.pending.count } }

    func schedule(after seconds: Double, _ fire: @escaping @Sendable () async -> Void) -> SimulatedTimer {
        let order = state.withLock { state in
            state.lastOrder += 1
            state.pending[state.lastOrder] = Pending(due: state.now + seconds, order: state.lastOrder, fire: fire)
            return state.lastOrder
        }
        return SimulatedTimer { [weak self] in
            _ = self?.state.withLock { $0.pending.removeValue(forKey: order) }
        }
    }

    /// The next timer due at or before `limit`, taken off the clock, which
    /// moves to its due time; nil when none is (the clock is then at `limit`).
    /// The caller fires it and lets what it started settle before it asks
    /// again, so a timer set by one that fired is seen in its turn.
    func takeNext(until limit: Double) -> (@Sendable () async -> Void)? {
        state.withLock { state in
            guard let next = state.pending.values.filter({ $0.due <= limit })
                .min(by: { ($0.due, $0.order) < ($1.due, $1.order) }) else {
                state.now = max(state.now, limit)
                return nil
            }
            state.pending[next.order] = nil
            state.now = max(state.now, next.due)
            return next.fire
        }
    }
}
