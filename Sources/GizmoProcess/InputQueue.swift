import Subprocess
import Synchronization

/// What a script writes to a program's input, waiting for the program to
/// read it: at most ``ChildProcess/maxPendingInput`` bytes, so a program
/// that never reads cannot make the server hold without bound.
public final class InputQueue: Sendable {
    public enum Outcome: Sendable, Equatable {
        case queued
        /// The bytes would pass the bound: this many wait already.
        case full(pending: Int)
        /// The input is closed (`close_stdin`, the program ended or closed it, or no `stdin = true`).
        case closed
    }

    private let state: Mutex<State>

    private struct State {
        var chunks: [[UInt8]] = []
        var pending = 0
        var closed: Bool
        var waiting: CheckedContinuation<Void, Never>?
    }

    init(open: Bool) {
        state = Mutex(State(closed: !open))
    }

    func append(_ bytes: [UInt8]) -> Outcome {
        let (outcome, waiting) = state.withLock { state -> (Outcome, CheckedContinuation<Void, Never>?) in
            guard !state.closed else { return (.closed, nil) }
            guard state.pending + bytes.count <= ChildProcess.maxPendingInput else { return (.full(pending: state.pending), nil) }
            guard !bytes.isEmpty else { return (.queued, nil) }
            state.chunks.append(bytes)
            state.pending += bytes.count
            defer { state.waiting = nil }
            return (.queued, state.waiting)
        }
        waiting?.resume()
        return outcome
    }

    /// No more writes; what is queued is still written.
    func close() {
        let waiting = state.withLock { state in
            state.closed = true
            defer { state.waiting = nil }
            return state.waiting
        }
        waiting?.resume()
    }

    /// Writes what is queued as it comes, until the queue is closed and
    /// empty (then the program sees the end of its input) or the task is
    /// cancelled (its outputs ended).
    func feed(_ writer: StandardInputWriter) async {
        while let chunk = await next() {
            do {
                _ = try await writer.write(chunk)
            } catch {
                break // the program closed its input
            }
            state.withLock { $0.pending -= chunk.count }
        }
        state.withLock {
            $0.closed = true
            $0.chunks = []
            $0.pending = 0
        }
        try? await writer.finish()
    }

    private func next() async -> [UInt8]? {
        while true {
            if Task.isCancelled { return nil }
            enum Step { case chunk([UInt8]), end, wait }
            let step = state.withLock { state -> Step in
                if !state.chunks.isEmpty { return .chunk(state.chunks.removeFirst()) }
                return state.closed ? .end : .wait
            }
            switch step {
            case .chunk(let chunk): return chunk
            case .end: return nil
            case .wait:
                await withTaskCancellationHandler {
                    await withCheckedContinuation { continuation in
                        let ready = state.withLock { state -> Bool in
                            if !state.chunks.isEmpty || state.closed { return true }
                            state.waiting = continuation
                            return false
                        }
                        if ready { continuation.resume() }
                    }
                } onCancel: {
                    self.close()
                }
            }
        }
    }

    var pendingBytes: Int { state.withLock { $0.pending } }
}
