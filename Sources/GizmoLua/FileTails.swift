import Foundation
import Logging
import Synchronization

/// A Lua state's `gz.tail`s: their followers, and the turns that deliver
/// their lines. A follower that has lines asks for one "tail" turn
/// (``arrived()``); the turn takes a batch from every follower
/// (``takeBatch()``), and asks for another while lines still wait, so no
/// turn delivers more than ``batchLines`` lines or about ``batchBytes``.
final class FileTails: Sendable {
    private let state = Mutex<State>(State())
    /// Asks the state for a "tail" turn; called once per batch.
    private let schedule: @Sendable () -> Void

    private struct State {
        var followers: [Int: FileFollower] = [:]
        var lastID = 0
        /// A "tail" turn is asked for and has not taken the lines yet.
        var scheduled = false
        /// The tail the last batch began with: the next begins after it, so
        /// one busy file cannot keep the others waiting.
        var lastFirst = 0
        var closed = false
    }

    /// The most tails one state may hold.
    static let maxTails = 64
    static let batchLines = 1024
    static let batchBytes = 256 << 10

    init(schedule: @escaping @Sendable () -> Void) {
        self.schedule = schedule
    }

    /// Starts following `absolute` (a path the caller checked the script may
    /// read); answers the tail's id, or the message to raise.
    func start(_ absolute: String, given: String, fromStart: Bool, readable: ReadableFiles,
               logger: Logger) -> Result<Int, TailRefusal> {
        let url = URL(fileURLWithPath: absolute)
        guard let folder = ConfinedFile.realPath(url.deletingLastPathComponent().path) else {
            return .failure(TailRefusal("gz.tail: the folder of \(given) does not exist; gz.tail waits for a file "
                + "to appear, but its folder must be there (\(url.deletingLastPathComponent().path))"))
        }
        let path = folder == "/" ? "/" + url.lastPathComponent : folder + "/" + url.lastPathComponent
        let watch: TailWatch
        switch TailWatch.shared {
        case .success(let shared): watch = shared
        case .failure(let error): return .failure(TailRefusal("gz.tail: files cannot be watched here: \(error.message)"))
        }
        let id = state.withLock { state -> Int? in
            guard !state.closed, state.followers.count < Self.maxTails else { return nil }
            state.lastID += 1
            return state.lastID
        }
        guard let id else {
            return .failure(TailRefusal("gz.tail: this state already follows \(Self.maxTails) files, the most it may; "
                + "cancel a tail first"))
        }
        let follower = FileFollower(path: path, folder: folder, readable: readable, logger: logger) { [weak self] in
            self?.arrived()
        }
        do throws(ConfinedFile.Refusal) {
            try follower.open(fromStart: fromStart)
        } catch {
            let message = switch error {
            case .notAFile: "gz.tail: \(given) is not a file"
            case .outside: readable.refusal(absolute, api: "gz.tail") ?? "gz.tail: \(given) may not be read"
            case .missing: "gz.tail: no file \(given)"
            case .unreadable(let reason): "gz.tail: cannot read \(given): \(reason)"
            }
            return .failure(TailRefusal(message))
        }
        do throws(WatchError) {
            try watch.add(follower)
        } catch {
            return .failure(TailRefusal("gz.tail: cannot watch \(folder): \(error.message)"))
        }
        state.withLock { $0.followers[id] = follower }
        follower.wake()
        return .success(id)
    }

    func cancel(_ id: Int) {
        guard let follower = state.withLock({ $0.followers.removeValue(forKey: id) }) else { return }
        end(follower)
    }

    /// Ends every tail (the state closes).
    func close() {
        let all = state.withLock { state in
            defer {
                state.followers = [:]
                state.closed = true
            }
            return Array(state.followers.values)
        }
        for follower in all { end(follower) }
    }

    var count: Int { state.withLock { $0.followers.count } }

    /// The followers, for tests (by id).
    func follower(_ id: Int) -> FileFollower? { state.withLock { $0.followers[id] } }

    private func end(_ follower: FileFollower) {
        follower.cancel()
        if case .success(let watch) = TailWatch.shared { watch.remove(follower) }
    }

    /// A follower has lines.
    func arrived() {
        let ask = state.withLock { state -> Bool in
            guard !state.scheduled, !state.closed else { return false }
            state.scheduled = true
            return true
        }
        if ask { schedule() }
    }

    /// The lines waiting, as the "tail" turn's JSON array of
    /// `[id, [line, ...]]` (files.lua), or nil when none waits.
    func takeBatch() -> String? {
        let (followers, first) = state.withLock { state -> ([(Int, FileFollower)], Int) in
            state.scheduled = false
            let ids = state.followers.keys.sorted()
            // Begin after the tail the last batch began with.
            let start = ids.firstIndex { $0 > state.lastFirst } ?? 0
            let ordered = Array(ids[start...] + ids[..<start])
            return (ordered.map { ($0, state.followers[$0]!) }, ordered.first ?? 0)
        }
        state.withLock { $0.lastFirst = first }
        var parts: [String] = []
        var lines = 0
        var bytes = 0
        for (id, follower) in followers where lines < Self.batchLines && bytes < Self.batchBytes {
            let taken = follower.take(maxBytes: Self.batchBytes - bytes, maxLines: Self.batchLines - lines)
            guard !taken.isEmpty else { continue }
            lines += taken.count
            bytes += taken.reduce(0) { $0 + $1.utf8.count + 1 }
            parts.append("[\(id),\(JSONText.array(taken))]")
        }
        if followers.contains(where: { $0.1.hasLines }) { arrived() } // more than one turn's worth
        return parts.isEmpty ? nil : "[" + parts.joined(separator: ",") + "]"
    }
}

/// Why a tail was not started: the message the library raises.
struct TailRefusal: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
