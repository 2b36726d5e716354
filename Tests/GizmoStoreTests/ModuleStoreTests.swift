import Foundation
import GizmoStore
import GizmoTestFixtures
import Synchronization
import Testing

/// The store's semantics over SQLite: values, versions, lists, limits, what
/// persists, and what watchers are told.
struct ModuleStoreTests {
    let folder = TemporaryFolder()

    func open(_ limits: StoreLimits = .init()) throws -> ModuleStore {
        ModuleStore(backend: try SQLiteStore(path: folder.url.appendingPathComponent("store.sqlite").path), limits: limits)
    }

    @Test func valuesAndVersions() throws {
        let store = try open()
        #expect(try store.get("a") == StoredEntry(.absent, version: 0))
        #expect(try store.set("a", json: #"{"n":1}"#) == .written(version: 1))
        #expect(try store.get("a") == StoredEntry(.value(#"{"n":1}"#), version: 1))
        #expect(try store.set("a", json: nil) == .written(version: 2))
        #expect(try store.get("a").json == nil)
        // A deleted key's version goes on growing: a watcher never mistakes a new value for an old one.
        #expect(try store.set("a", json: "3") == .written(version: 3))
    }

    @Test func compareAndSetRefusesAStaleVersion() throws {
        let store = try open()
        _ = try store.set("n", json: "1")
        #expect(try store.set("n", json: "2", ifVersion: 0) == .conflict)
        #expect(try store.get("n").json == "1")
        #expect(try store.set("n", json: "2", ifVersion: 1) == .written(version: 2))
    }

    @Test func listsKeepTheirLastItems() throws {
        let store = try open()
        for i in 1...5 { _ = try store.append("log", item: "\(i)", keep: 3) }
        #expect(try store.get("log") == StoredEntry(.list(["3", "4", "5"], lastSeq: 5), version: 5))
        #expect(try store.get("log").json == "[3,4,5]")
        #expect(throws: StoreError.self) { try store.append("log", item: "1", keep: 0) }
        _ = try store.set("v", json: "1")
        #expect(throws: StoreError.self) { try store.append("v", item: "1", keep: 3) }
        // set replaces a list; sequence numbers never repeat after it.
        _ = try store.set("log", json: "7")
        #expect(try store.get("log").json == "7")
        _ = try store.set("log", json: nil)
        #expect(try store.append("log", item: "8", keep: 3).seq == 6)
    }

    @Test func limitsRefuseWithTheFlagToChange() throws {
        let store = try open(StoreLimits(valueBytes: 100, moduleBytes: 250))
        let error = #expect(throws: StoreError.self) { try store.set("a", json: String(repeating: "1", count: 101)) }
        #expect(error?.message.contains("--store-value-limit") == true)
        _ = try store.set("a", json: String(repeating: "1", count: 100))
        _ = try store.set("b", json: String(repeating: "2", count: 100))
        let full = #expect(throws: StoreError.self) { try store.set("c", json: String(repeating: "3", count: 100)) }
        #expect(full?.message.contains("--store-limit") == true)
        // Replacing a value frees its bytes first.
        _ = try store.set("b", json: String(repeating: "4", count: 100))
        #expect(try store.byteCount() == 200)
        #expect(throws: StoreError.self) { try store.get("") }
        #expect(throws: StoreError.self) { try store.get(String(repeating: "k", count: 257)) }
    }

    @Test func whatWasWrittenIsThereAfterReopening() throws {
        do {
            let store = try open()
            _ = try store.set("a", json: #""kept""#)
            _ = try store.append("l", item: "1", keep: 10)
            store.close()
            #expect(throws: StoreError.self) { try store.set("a", json: "1") }
        }
        let store = try open()
        #expect(try store.get("a") == StoredEntry(.value(#""kept""#), version: 1))
        #expect(try store.get("l").json == "[1]")
        #expect(try store.byteCount() == 7)
    }

    @Test func theFileIsInWALModeAndSyncsEveryCommit() throws {
        let store = try open()
        _ = try store.set("a", json: "1")
        let path = folder.url.appendingPathComponent("store.sqlite-wal").path
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test func watchersSeeEveryChangeInOrder() throws {
        let store = try open()
        let watcher = Recorder()
        _ = try store.set("k", json: "0")
        let start = try store.watch("k", id: 7, watcher: watcher)
        #expect(start.json == "0")
        _ = try store.set("k", json: "1")
        _ = try store.set("other", json: "1")
        _ = try store.set("k", json: nil)
        #expect(watcher.changes.withLock { $0 } == [
            .init(StoreChange(key: "k", version: 2, kind: .set("1")), 7),
            .init(StoreChange(key: "k", version: 3, kind: .set(nil)), 7),
        ])
        store.cancel("k", id: 7, watcher: watcher)
        _ = try store.set("k", json: "2")
        #expect(watcher.changes.withLock { $0.count } == 2)
        _ = try store.watch("k", id: 8, watcher: watcher)
        store.cancelAll(of: watcher)
        #expect(store.watchCount == 0)
    }

    @Test func aSlowWatcherGetsTheLatestValueNotABacklog() {
        var mailbox = WatchMailbox(version: 1)
        let first = mailbox.offer(StoreChange(key: "k", version: 2, kind: .set("a")))
        let second = mailbox.offer(StoreChange(key: "k", version: 3, kind: .set("b")))
        let late = mailbox.offer(StoreChange(key: "k", version: 3, kind: .set("late")))
        #expect(first && !second && !late)
        let taken = mailbox.take()
        #expect(taken.events == [.value("b")])
        #expect(mailbox.isEmpty)
    }

    @Test func aWatcherBehindAListByMoreThanKeepIsToldOfTheGap() {
        var mailbox = WatchMailbox(version: 0)
        for seq in 1...5 {
            _ = mailbox.offer(StoreChange(key: "l", version: Int64(seq), kind: .append(seq: Int64(seq), item: "\(seq)", keep: 3)))
        }
        let (events, missed) = mailbox.take()
        #expect(missed == 2)
        #expect(events == [.item(seq: 3, json: "3"), .item(seq: 4, json: "4"), .item(seq: 5, json: "5")])
    }
}

final class Recorder: StoreWatcher {
    struct Seen: Equatable {
        var change: StoreChange
        var watch: Int
        init(_ change: StoreChange, _ watch: Int) { self.change = change; self.watch = watch }
    }
    let changes = Mutex<[Seen]>([])
    func changed(_ change: StoreChange, watch: Int) { changes.withLock { $0.append(Seen(change, watch)) } }
}
