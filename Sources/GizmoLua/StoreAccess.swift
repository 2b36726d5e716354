import Foundation
import GizmoStore
import Synchronization

/// A Lua state's way to its module's store: the store, opened on first use,
/// and the state's watches. The store tells this object of each change of a
/// watched key (it is the state's ``StoreWatcher``); the change waits here,
/// coalesced in its watch's ``WatchMailbox``, until the state's next "store"
/// turn takes every waiting change at once (``takeBatch()``).
final class StoreAccess: StoreWatcher {
    private let directory: StoreDirectory?
    private let folder: URL
    private let opened = Mutex<ModuleStore?>(nil)
    private let watches = Mutex<Watches>(Watches())
    /// The update gates this state holds (``ModuleStore/beginUpdate(_:granted:)``),
    /// all left at the end of the turn at the latest.
    private let held = Mutex<[String: UpdateGates.Hold]>([:])
    /// Asks the state for a "store" turn; called once per batch.
    private let schedule: @Sendable () -> Void

    private struct Watches {
        var byID: [Int: (key: String, mailbox: WatchMailbox)] = [:]
        var lastID = 0
        /// A "store" turn is asked for and has not taken the changes yet.
        var scheduled = false
    }

    /// The most watches one state may hold.
    static let maxWatches = 1000

    init(directory: StoreDirectory?, folder: URL, schedule: @escaping @Sendable () -> Void) {
        self.directory = directory
        self.folder = folder
        self.schedule = schedule
    }

    /// The module's store, opened on first use.
    func store() throws(StoreError) -> ModuleStore {
        guard let directory else { throw StoreError("this host has no store") }
        if let store = opened.withLock({ $0 }) { return store }
        let store = try directory.store(in: folder)
        opened.withLock { $0 = store }
        return store
    }

    /// Asks for the key's update gate: `.entered` (held now), `.queued`
    /// (`granted` is called when it is this state's turn: ``markHeld(_:hold:)``
    /// then), or nil when this state holds it already (an update inside an
    /// update of the same key goes on without it).
    func beginUpdate(_ key: String, granted: @escaping @Sendable (UpdateGates.Hold) -> Void) throws(StoreError) -> UpdateGates.Entry? {
        let store = try store()
        guard !holds(key) else { return nil }
        let entry = store.beginUpdate(key, granted: granted)
        if case .entered(let hold) = entry { markHeld(key, hold: hold) }
        return entry
    }

    func holds(_ key: String) -> Bool { held.withLock { $0[key] != nil } }

    func markHeld(_ key: String, hold: UpdateGates.Hold) {
        held.withLock { $0[key] = hold }
    }

    func endUpdate(_ key: String) {
        guard let hold = held.withLock({ $0.removeValue(forKey: key) }) else { return }
        opened.withLock { $0 }?.endUpdate(key, hold: hold)
    }

    /// Leaves every gate still held (the turn is over: an update that raised
    /// or was stopped never got to leave it, and a gate is never held across
    /// turns, so no two states can wait for each other's).
    func endTurn() {
        let holds = held.withLock { held in
            defer { held = [:] }
            return held
        }
        guard !holds.isEmpty, let store = opened.withLock({ $0 }) else { return }
        for (key, hold) in holds { store.endUpdate(key, hold: hold) }
    }

    /// Starts a watch of `key`; answers its id and the key's contents now.
    func watch(_ key: String) throws(StoreError) -> (id: Int, current: StoredEntry) {
        let store = try store()
        let id = try watches.withLock { watches throws(StoreError) -> Int in
            guard watches.byID.count < Self.maxWatches else {
                throw StoreError("this state already holds \(Self.maxWatches) watches, the most it may; cancel some first")
            }
            watches.lastID += 1
            return watches.lastID
        }
        let current = try store.watch(key, id: id, watcher: self) { current in
            var mailbox = WatchMailbox(version: current.version)
            if case .list(_, let lastSeq) = current.contents { mailbox.delivered(upTo: lastSeq) }
            watches.withLock { $0.byID[id] = (key, mailbox) }
        }
        return (id, current)
    }

    func cancel(_ id: Int) {
        guard let key = watches.withLock({ $0.byID.removeValue(forKey: id)?.key }) else { return }
        opened.withLock { $0 }?.cancel(key, id: id, watcher: self)
    }

    /// Ends every watch (the state closes).
    func close() {
        watches.withLock { $0.byID = [:] }
        opened.withLock { $0 }?.cancelAll(of: self)
    }

    var watchCount: Int { watches.withLock { $0.byID.count } }

    func changed(_ change: StoreChange, watch id: Int) {
        let ask = watches.withLock { watches -> Bool in
            guard watches.byID[id] != nil, watches.byID[id]!.mailbox.offer(change), !watches.scheduled else { return false }
            watches.scheduled = true
            return true
        }
        if ask { schedule() }
    }

    /// Every waiting change, as the "store" turn's JSON array of
    /// `[id, kind, a, b]` events (store.lua), or nil when none waits. A watch
    /// that missed items gets the whole list first (read now), then the
    /// items after it.
    func takeBatch() -> String? {
        let taken = watches.withLock { watches -> [(id: Int, key: String, events: [WatchMailbox.Event], missed: Int, seq: Int64)] in
            watches.scheduled = false
            var taken: [(id: Int, key: String, events: [WatchMailbox.Event], missed: Int, seq: Int64)] = []
            for id in watches.byID.keys.sorted() where !watches.byID[id]!.mailbox.isEmpty {
                let (events, missed) = watches.byID[id]!.mailbox.take()
                taken.append((id, watches.byID[id]!.key, events, missed, watches.byID[id]!.mailbox.deliveredSeq))
            }
            return taken
        }
        guard !taken.isEmpty else { return nil }
        var parts: [String] = []
        for watch in taken {
            var delivered = watch.seq
            var events = watch.events
            if watch.missed > 0, let entry = try? opened.withLock({ $0 })?.get(watch.key) {
                // Read after every change the mailbox holds: the key as it is
                // now supersedes them, but for list items that came after it.
                if case .list(_, let lastSeq) = entry.contents, let json = entry.json {
                    parts.append("[\(watch.id),\"gap\",\(watch.missed),\(json)]")
                    delivered = lastSeq
                    events = events.filter { if case .item = $0 { true } else { false } }
                } else {
                    parts.append("[\(watch.id),\"set\",\(entry.json ?? "null")]")
                    events = []
                }
            }
            for event in events {
                switch event {
                case .value(let json):
                    parts.append("[\(watch.id),\"set\",\(json ?? "null")]")
                case .item(let seq, let json):
                    guard seq > delivered else { continue }
                    parts.append("[\(watch.id),\"append\",\(seq),\(json)]")
                    delivered = seq
                }
            }
            watches.withLock { $0.byID[watch.id]?.mailbox.delivered(upTo: delivered) }
        }
        return parts.isEmpty ? nil : "[" + parts.joined(separator: ",") + "]"
    }
}
