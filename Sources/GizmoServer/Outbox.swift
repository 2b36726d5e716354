import GizmoLua
import Synchronization

/// Where a session's frames go: the current page connection, if any.
///
/// The VM hands over each turn's frame synchronously, so frames reach the
/// page in turn order. Without a page they are dropped: a page that connects
/// says `hello` and gets a full render. Only the current VM's frames pass: a
/// hot reload moves the outbox to the next VM's generation, and what the old
/// VM still says on its way out is dropped.
final class Outbox: Sendable {
    private struct State {
        var connection: Int?
        var continuation: AsyncStream<String>.Continuation?
        var onEnded: (@Sendable (String) -> Void)?
        var generation = 0
    }

    private let state = Mutex(State())

    func deliver(_ output: GizmoVM.Output, from generation: Int) {
        switch output {
        case .frame(let frame):
            state.withLock { state in
                if state.generation == generation { state.continuation?.yield(frame) }
            }
        case .ended(let reason):
            let onEnded = state.withLock { $0.generation == generation ? $0.onEnded : nil }
            onEnded?(reason)
        }
    }

    /// A frame made by the server itself (a reload's error overlay).
    func send(_ frame: String) {
        state.withLock { _ = $0.continuation?.yield(frame) }
    }

    /// From now on only frames of this VM generation pass.
    func advance(to generation: Int) {
        state.withLock { $0.generation = generation }
    }

    var hasPage: Bool { state.withLock { $0.continuation != nil } }

    func setOnEnded(_ onEnded: @escaping @Sendable (String) -> Void) {
        state.withLock { $0.onEnded = onEnded }
    }

    /// Sends frames to this connection from now on; the previous one, if any,
    /// is finished (its writer closes its socket).
    func attach(_ connection: Int, _ continuation: AsyncStream<String>.Continuation) {
        let previous = state.withLock { state in
            defer { (state.connection, state.continuation) = (connection, continuation) }
            return state.continuation
        }
        previous?.finish()
    }

    /// Stops sending to this connection, if it is still the current one.
    func detach(_ connection: Int) {
        let current = state.withLock { state -> AsyncStream<String>.Continuation? in
            guard state.connection == connection else { return nil }
            defer { (state.connection, state.continuation) = (nil, nil) }
            return state.continuation
        }
        current?.finish()
    }

    /// Sends one last frame to the page, if one is connected, and lets go of it.
    func finish(with frame: String?) {
        let current = state.withLock { state in
            defer { (state.connection, state.continuation) = (nil, nil) }
            return state.continuation
        }
        if let frame { current?.yield(frame) }
        current?.finish()
    }
}
