import GizmoLua
import Synchronization

/// Where a session's frames go: the current page connection, if any.
///
/// The VM hands over each turn's frame synchronously, on its own queue, and
/// the frame goes straight into the page's channel (``PageSink``), so frames
/// reach the page in turn order. Without a page they are dropped: a page that connects
/// says `hello` and gets a full render. Only the current VM's frames pass: a
/// hot reload moves the outbox to the next VM's generation, and what the old
/// VM still says on its way out is dropped.
final class Outbox: Sendable {
    private struct State {
        var connection: Int?
        var sink: PageSink?
        var onEnded: (@Sendable (String) -> Void)?
        var generation = 0
    }

    private let state = Mutex(State())

    func deliver(_ output: GizmoVM.Output, from generation: Int) {
        switch output {
        case .frame(let frame):
            state.withLock { state in
                if state.generation == generation { state.sink?.send(frame) }
            }
        case .ended(let reason):
            let onEnded = state.withLock { $0.generation == generation ? $0.onEnded : nil }
            onEnded?(reason)
        }
    }

    /// A frame made by the server itself (a reload's error overlay).
    func send(_ frame: String) {
        state.withLock { $0.sink?.send(frame) }
    }

    /// From now on only frames of this VM generation pass.
    func advance(to generation: Int) {
        state.withLock { $0.generation = generation }
    }

    var hasPage: Bool { state.withLock { $0.sink != nil } }

    func setOnEnded(_ onEnded: @escaping @Sendable (String) -> Void) {
        state.withLock { $0.onEnded = onEnded }
    }

    /// Sends frames to this connection from now on; the previous one, if any,
    /// is finished (it closes its socket).
    func attach(_ connection: Int, _ sink: PageSink) {
        let previous = state.withLock { state in
            defer { (state.connection, state.sink) = (connection, sink) }
            return state.sink
        }
        previous?.finish()
    }

    /// Stops sending to this connection, if it is still the current one.
    func detach(_ connection: Int) {
        let current = state.withLock { state -> PageSink? in
            guard state.connection == connection else { return nil }
            defer { (state.connection, state.sink) = (nil, nil) }
            return state.sink
        }
        current?.finish()
    }

    /// Sends one last frame to the page, if one is connected, and lets go of it.
    func finish(with frame: String?) {
        let current = state.withLock { state in
            defer { (state.connection, state.sink) = (nil, nil) }
            if let frame { state.sink?.send(frame) }
            return state.sink
        }
        current?.finish()
    }
}
