import Foundation
import Synchronization

/// One module's shared, persistent, watched state: what `gz.store` reaches
/// from the module's service and every session of the module.
///
/// Writes are serialized here, and each write's watchers are told while it
/// is still the latest, so every watcher sees a key's changes in version
/// order. Over a backend that ``StoreBackend/sharesChanges`` (PostgreSQL,
/// shared by replicas), the writer tells no one: every change, this
/// replica's and the others', comes back through ``deliver(_:)`` in commit
/// order. Reads go straight to the backend. Keys and sizes are checked here,
/// where the values enter, the same for every backend.
public final class ModuleStore: Sendable {
    public let limits: StoreLimits
    let backend: any StoreBackend
    private let state = Mutex<State>(State())
    private let gates = UpdateGates()

    private struct State {
        /// key -> the watches of that key: (watcher, watch id)
        var watches: [String: [WatchKey: Watch]] = [:]
        var closed = false
    }

    /// A watcher, and the version its watch started from: a change no
    /// newer (told late by a shared database) is not told to it.
    private struct Watch {
        let watcher: any StoreWatcher
        let since: Int64
    }

    private struct WatchKey: Hashable {
        let watcher: ObjectIdentifier
        let id: Int
    }

    public init(backend: any StoreBackend, limits: StoreLimits) {
        self.backend = backend
        self.limits = limits
    }

    /// The key's contents.
    public func get(_ key: String) throws(StoreError) -> StoredEntry {
        try Self.check(key: key)
        return try backend.read(key)
    }

    /// Sets the key to `json` (nil deletes it); with `ifVersion`, only if no
    /// write came in since that version.
    public func set(_ key: String, json: String?, ifVersion: Int64? = nil) throws(StoreError) -> PutOutcome {
        try Self.check(key: key)
        if let json { try checkSize(json, "value") }
        return try write({ backend throws(StoreError) in try backend.put(key, json: json, ifVersion: ifVersion, limits: limits) }) { outcome in
            guard case .written(let version) = outcome else { return nil }
            return StoreChange(key: key, version: version, kind: .set(json))
        }
    }

    /// Runs one write on the backend and tells the key's watchers of the
    /// change it made, under the lock every write holds, so that they see a
    /// key's changes in order. A backend that ``StoreBackend/sharesChanges``
    /// orders the writes and tells the watchers itself (``deliver(_:)``):
    /// its writes run without the lock, which only checks the store is open.
    private func write<T>(_ body: (any StoreBackend) throws(StoreError) -> T,
                          change: (T) -> StoreChange?) throws(StoreError) -> T {
        if backend.sharesChanges {
            try state.withLock { state throws(StoreError) in try Self.checkOpen(state) }
            return try body(backend)
        }
        return try state.withLock { state throws(StoreError) -> T in
            try Self.checkOpen(state)
            let result = try body(backend)
            if let made = change(result) { Self.tell(state, made) }
            return result
        }
    }

    /// Asks to be the key's only updater, so that an update's read,
    /// computation and compare-and-set are not overtaken (``UpdateGates``):
    /// entered now, or `granted` is called once it is the caller's turn.
    /// Pair every hold with ``endUpdate(_:hold:)``.
    public func beginUpdate(_ key: String, granted: @escaping @Sendable (UpdateGates.Hold) -> Void) -> UpdateGates.Entry {
        gates.enter(key, granted: granted)
    }

    public func endUpdate(_ key: String, hold: UpdateGates.Hold) {
        gates.leave(key, hold: hold)
    }

    /// Appends `item` to the key's list, which keeps its last `keep` items.
    public func append(_ key: String, item: String, keep: Int) throws(StoreError) -> Appended {
        try Self.check(key: key)
        try checkSize(item, "item")
        guard (1...StoreLimits.maxKeep).contains(keep) else {
            throw StoreError("keep must be a whole number from 1 to \(StoreLimits.maxKeep), not \(keep)")
        }
        return try write({ backend throws(StoreError) in try backend.append(key, item: item, keep: keep, limits: limits) }) { appended in
            StoreChange(key: key, version: appended.version, kind: .append(seq: appended.seq, item: item, keep: keep))
        }
    }

    /// Starts watch `id` of `watcher` on the key; answers the contents it
    /// starts from, which `started` sees first. No change is missed or seen
    /// twice: reading, `started` and registering happen under the lock every
    /// write holds while it tells its watchers.
    public func watch(_ key: String, id: Int, watcher: any StoreWatcher,
                      started: (StoredEntry) -> Void = { _ in }) throws(StoreError) -> StoredEntry {
        try Self.check(key: key)
        return try state.withLock { state throws(StoreError) -> StoredEntry in
            try Self.checkOpen(state)
            let current = try backend.read(key)
            started(current)
            state.watches[key, default: [:]][WatchKey(watcher: ObjectIdentifier(watcher), id: id)] =
                Watch(watcher: watcher, since: current.version)
            return current
        }
    }

    public func cancel(_ key: String, id: Int, watcher: any StoreWatcher) {
        state.withLock { state in
            state.watches[key]?[WatchKey(watcher: ObjectIdentifier(watcher), id: id)] = nil
            if state.watches[key]?.isEmpty == true { state.watches[key] = nil }
        }
    }

    /// Ends every watch of `watcher` (its Lua state closed).
    public func cancelAll(of watcher: any StoreWatcher) {
        let owner = ObjectIdentifier(watcher)
        state.withLock { state in
            for key in Array(state.watches.keys) {
                state.watches[key] = state.watches[key]?.filter { $0.key.watcher != owner }
                if state.watches[key]?.isEmpty == true { state.watches[key] = nil }
            }
        }
    }

    /// A committed change the backend reports (``StoreBackend/sharesChanges``),
    /// told to the key's watchers; a watcher drops one older than what it has.
    public func deliver(_ change: StoreChange) {
        state.withLock { state in
            guard !state.closed else { return }
            Self.tell(state, change)
        }
    }

    /// The keys watched now.
    public var watchedKeys: [String] { state.withLock { Array($0.watches.keys) } }

    /// Whether any watch is on `key` (every replica's notice asks).
    public func isWatched(_ key: String) -> Bool { state.withLock { $0.watches[key] != nil } }

    /// How many watches the store holds (tests, the log).
    public var watchCount: Int { state.withLock { $0.watches.values.reduce(0) { $0 + $1.count } } }

    public func byteCount() throws(StoreError) -> Int { try backend.byteCount() }

    /// Closes the backend; later calls fail with a clear error.
    public func close() {
        state.withLock { state in
            guard !state.closed else { return }
            state.closed = true
            state.watches = [:]
            backend.close()
        }
    }

    private static func tell(_ state: State, _ change: StoreChange) {
        guard let watches = state.watches[change.key] else { return }
        for (key, watch) in watches where change.version > watch.since { watch.watcher.changed(change, watch: key.id) }
    }

    private static func checkOpen(_ state: State) throws(StoreError) {
        if state.closed { throw StoreError("the store is closed (the server is stopping)") }
    }

    static func check(key: String) throws(StoreError) {
        guard !key.isEmpty, key.utf8.count <= StoreLimits.keyBytes else {
            throw StoreError("a key must be a non-empty string of at most \(StoreLimits.keyBytes) bytes")
        }
    }

    private func checkSize(_ json: String, _ what: String) throws(StoreError) {
        let bytes = json.utf8.count
        guard bytes <= limits.valueBytes else {
            throw StoreError("the \(what) is \(Self.kibibytes(bytes)) KiB as JSON, past the limit of "
                + "\(Self.kibibytes(limits.valueBytes)) KiB (--store-value-limit)")
        }
    }

    private static func kibibytes(_ bytes: Int) -> String {
        bytes % 1024 == 0 ? String(bytes / 1024) : String(format: "%.1f", Double(bytes) / 1024)
    }
}
