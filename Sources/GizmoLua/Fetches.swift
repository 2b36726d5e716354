import Foundation
import Synchronization

/// A Lua state's `gz.fetch`es in flight, and their answers until the
/// coroutine that waits for each takes it. A fetch is filed under the
/// ticket its coroutine sleeps on; its answer wakes that coroutine with one
/// turn (as a timer would), which then takes the answer.
final class Fetches: Sendable {
    private let state = Mutex<State>(State())

    private struct State {
        var tasks: [Int: Task<Void, Never>] = [:]
        var answers: [Int: FetchClient.Answer] = [:]
        var closed = false
    }

    /// The most fetches one state may have in flight (started, answer not yet taken).
    static let maxInFlight = 16

    /// Starts `request`; `answered` is called once its answer waits. nil, or
    /// the message to raise when the state has as many in flight as it may.
    func start(_ request: FetchRequest, ticket: Int, bodyLimit: Int, limitReason: String,
               answered: @escaping @Sendable () -> Void) -> String? {
        state.withLock { state -> String? in
            guard !state.closed else { return "gz.fetch: the session is closing" }
            guard state.tasks.count + state.answers.count < Self.maxInFlight else {
                return "gz.fetch: this state already has \(Self.maxInFlight) fetches in flight, the most it may; "
                    + "wait for one to answer"
            }
            state.tasks[ticket] = Task { [weak self] in
                let answer = await FetchClient.perform(request, bodyLimit: bodyLimit, limitReason: limitReason)
                guard let self else { return }
                let keep = self.state.withLock { state -> Bool in
                    guard state.tasks.removeValue(forKey: ticket) != nil, !state.closed else { return false }
                    state.answers[ticket] = answer
                    return true
                }
                if keep { answered() }
            }
            return nil
        }
    }

    /// The answer filed under `ticket`, once.
    func take(_ ticket: Int) -> FetchClient.Answer? {
        state.withLock { $0.answers.removeValue(forKey: ticket) }
    }

    var inFlight: Int { state.withLock { $0.tasks.count + $0.answers.count } }

    /// Cancels every fetch (the state closes).
    func close() {
        let tasks = state.withLock { state in
            defer {
                state.tasks = [:]
                state.answers = [:]
                state.closed = true
            }
            return Array(state.tasks.values)
        }
        for task in tasks { task.cancel() }
    }
}
