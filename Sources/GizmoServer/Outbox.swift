import GizmoLua
import Logging
import Synchronization

/// Where a session's frames go: the pages connected to it.
///
/// A page connects, says hello, and joins: it gets a full render (a
/// `welcome` and the VM's render) or, when it had the session's pages before
/// its socket dropped, the frames it missed (``resume(_:from:acked:generation:)``).
/// Every frame a turn makes then goes to every page that has joined, numbered
/// (`{"op":"frame","n":N}` first in it) and kept a while in a
/// ``FrameHistory`` for pages that reconnect. docs/protocol.md tells the page's side.
///
/// The VM hands over frames synchronously, on its own queue, and each goes
/// straight into the pages' channels (``PageSink``), so frames reach every
/// page in turn order. Only the current VM's frames pass: a hot reload moves
/// the outbox to the next VM's generation, and what the old VM still says on
/// its way out is dropped.
///
/// What the pages have not read is bounded: past ``maxUnsentBytes`` in all,
/// the page with the most waiting is dropped (it resumes when it reconnects).
final class Outbox: Sendable {
    /// Pages one session may have open at once.
    static let maxPages = 16
    /// Bytes handed to the pages' sockets and not yet written, in all.
    static let maxUnsentBytes = 4 << 20

    private struct Page {
        var sink: PageSink
        var joined = false
    }

    private struct State {
        var pages: [Int: Page] = [:]
        var history = FrameHistory()
        var onEnded: (@Sendable (String) -> Void)?
        var generation = 0
        /// Whether a page has joined yet: before, no page can resume, so
        /// frames are numbered but neither made nor kept (the boot frame,
        /// with the whole tree the script built, would otherwise stay in
        /// the history of every idle session).
        var joinedOnce = false
        /// A page showing the tree as of some frame (its first paint) is
        /// on its way: frames are kept from then on, for it to resume after.
        var pageExpected = false
    }

    private let state = Mutex(State())
    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    func deliver(_ output: GizmoVM.Output, from generation: Int) {
        switch output {
        case .frame(let frame):
            state.withLock { state in
                if state.generation == generation { broadcast(frame, in: &state) }
            }
        case .join(let connection, let acked, let frame):
            state.withLock { state in
                guard state.generation == generation, state.pages[connection] != nil else { return }
                state.pages[connection]!.joined = true
                state.joinedOnce = true
                let welcome = #"{"op":"welcome","n":\#(state.history.last),"acked":\#(acked)}"#
                send(Self.frame(frame, header: welcome), to: connection, in: &state)
            }
        case .ended(let reason):
            let onEnded = state.withLock { $0.generation == generation ? $0.onEnded : nil }
            onEnded?(reason)
        }
    }

    /// Replays to the page on `connection` the frames after frame `n` and
    /// joins it; false when they are no longer kept.
    func resume(_ connection: Int, from n: Int, acked: Int, generation: Int) -> Bool {
        state.withLock { state in
            guard state.generation == generation, state.pages[connection] != nil,
                  let missed = state.history.frames(after: n) else { return false }
            state.pages[connection]!.joined = true
            state.joinedOnce = true
            send(#"[{"op":"welcome","n":\#(n),"acked":\#(acked),"resume":true}]"#, to: connection, in: &state)
            for frame in missed { send(frame, to: connection, in: &state) }
            return true
        }
    }

    /// A page is about to show the tree as of now (its first paint, read
    /// from the VM of run `generation`): frames are kept from here on, so
    /// that its socket resumes after the number answered. Nil when the
    /// outbox has moved to another run.
    func expectPage(generation: Int) -> Int? {
        state.withLock { state in
            guard state.generation == generation else { return nil }
            state.pageExpected = true
            return state.history.last
        }
    }

    /// A frame made by the server itself (a reload's overlay, a refresh):
    /// numbered and kept like the VM's.
    func send(_ frame: String) {
        state.withLock { broadcast(frame, in: &$0) }
    }

    private func broadcast(_ frame: String, in state: inout State) {
        let number = state.history.last + 1
        guard state.joinedOnce || state.pageExpected else { return state.history.skip(number) }
        let numbered = Self.frame(frame, header: #"{"op":"frame","n":\#(number)}"#)
        state.history.append(number, numbered)
        for (connection, page) in state.pages where page.joined {
            send(numbered, to: connection, in: &state)
        }
    }

    private func send(_ frame: String, to connection: Int, in state: inout State) {
        guard let sink = state.pages[connection]?.sink else { return }
        sink.send(frame)
        dropPagesThatDoNotRead(&state)
    }

    /// Past the bound, the page with the most unread bytes goes (a page that
    /// never reads, or one far behind); it catches up when it reconnects.
    private func dropPagesThatDoNotRead(_ state: inout State) {
        var total = 0
        var worst: (connection: Int, bytes: Int)?
        for (connection, page) in state.pages {
            let bytes = page.sink.unsent
            total += bytes
            if bytes > (worst?.bytes ?? 0) { worst = (connection, bytes) }
        }
        guard total > Self.maxUnsentBytes, let worst else { return }
        logger.warning("a page did not read its frames (\(worst.bytes) bytes waiting); its connection was dropped")
        state.pages.removeValue(forKey: worst.connection)?.sink.abort()
    }

    /// A frame with `header` as its first command.
    static func frame(_ frame: String, header: String) -> String {
        frame == "[]" ? "[\(header)]" : "[\(header),\(frame.dropFirst())"
    }

    /// From now on only frames of this VM generation pass.
    func advance(to generation: Int) {
        state.withLock { $0.generation = generation }
    }

    /// Bytes of frames kept for pages that reconnect (tests).
    var keptBytes: Int { state.withLock { $0.history.byteCount } }

    /// Whether a page has joined.
    var hasPage: Bool { state.withLock { $0.pages.values.contains { $0.joined } } }

    func setOnEnded(_ onEnded: @escaping @Sendable (String) -> Void) {
        state.withLock { $0.onEnded = onEnded }
    }

    /// A page connected; it gets frames once it has joined. False when the
    /// session has as many pages as it may.
    func attach(_ connection: Int, _ sink: PageSink) -> Bool {
        state.withLock { state in
            guard state.pages.count < Self.maxPages else { return false }
            state.pages[connection] = Page(sink: sink)
            return true
        }
    }

    /// Stops sending to this connection.
    func detach(_ connection: Int) {
        state.withLock { $0.pages.removeValue(forKey: connection) }?.sink.finish()
    }

    /// Sends one last frame to every page, and lets go of them.
    func finish(with frame: String?) {
        let pages = state.withLock { state in
            defer { state.pages = [:] }
            return state.pages.values.map(\.sink)
        }
        for sink in pages {
            if let frame { sink.send(frame) }
            sink.finish()
        }
    }
}
