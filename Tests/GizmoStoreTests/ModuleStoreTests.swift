import Foundation
import Logging
import GizmoStore
import GizmoTestFixtures
import Synchronization
import Testing

/// The store's semantics over each backend (SQLite, and PostgreSQL under
/// `make test`): values, versions, lists, limits, what persists, and what
/// watchers are told.
struct ModuleStoreTests {
    @Test(arguments: Backend.available) func valuesAndVersions(_ backend: Backend) throws {
        let fixture = StoreFixture(backend)
        defer { fixture.close() }
        let store = try fixture.open()
        #expect(try store.get("a") == StoredEntry(.absent, version: 0))
        #expect(try store.set("a", json: #"{"n":1}"#) == .written(version: 1))
        #expect(try store.get("a") == StoredEntry(.value(#"{"n":1}"#), version: 1))
        #expect(try store.set("a", json: nil) == .written(version: 2))
        #expect(try store.get("a").json == nil)
        // A deleted key's version goes on growing: a watcher never mistakes a new value for an old one.
        #expect(try store.set("a", json: "3") == .written(version: 3))
    }

    @Test(arguments: Backend.available) func compareAndSetRefusesAStaleVersion(_ backend: Backend) throws {
        let fixture = StoreFixture(backend)
        defer { fixture.close() }
        let store = try fixture.open()
        _ = try store.set("n", json: "1")
        #expect(try store.set("n", json: "2", ifVersion: 0) == .conflict)
        #expect(try store.get("n").json == "1")
        #expect(try store.set("n", json: "2", ifVersion: 1) == .written(version: 2))
    }

    @Test(arguments: Backend.available) func listsKeepTheirLastItems(_ backend: Backend) throws {
        let fixture = StoreFixture(backend)
        defer { fixture.close() }
        let store = try fixture.open()
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

    @Test(arguments: Backend.available) func limitsRefuseWithTheFlagToChange(_ backend: Backend) throws {
        let fixture = StoreFixture(backend)
        defer { fixture.close() }
        let store = try fixture.open(StoreLimits(valueBytes: 100, moduleBytes: 250))
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

    @Test(arguments: Backend.available) func whatWasWrittenIsThereAfterReopening(_ backend: Backend) throws {
        let fixture = StoreFixture(backend)
        defer { fixture.close() }
        do {
            let store = try fixture.open()
            _ = try store.set("a", json: #""kept""#)
            _ = try store.append("l", item: "1", keep: 10)
            store.close()
            #expect(throws: StoreError.self) { try store.set("a", json: "1") }
        }
        let store = try fixture.open()
        #expect(try store.get("a") == StoredEntry(.value(#""kept""#), version: 1))
        #expect(try store.get("l").json == "[1]")
        #expect(try store.byteCount() == 7)
    }

    @Test func theFileIsInWALModeAndSyncsEveryCommit() throws {
        let fixture = StoreFixture(.sqlite)
        defer { fixture.close() }
        let store = try fixture.open()
        _ = try store.set("a", json: "1")
        let path = fixture.folder.url.appendingPathComponent(fixture.module).appendingPathComponent("store.sqlite-wal").path
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test(arguments: Backend.available) func watchersSeeEveryChangeInOrder(_ backend: Backend) async throws {
        let fixture = StoreFixture(backend)
        defer { fixture.close() }
        let store = try fixture.open()
        let watcher = Recorder()
        _ = try store.set("k", json: "0")
        let start = try store.watch("k", id: 7, watcher: watcher)
        #expect(start.json == "0")
        _ = try store.set("k", json: "1")
        _ = try store.set("other", json: "1")
        _ = try store.set("k", json: nil)
        _ = try store.append("k", item: "5", keep: 3)
        let told = try await watcher.waitFor(3)
        #expect(told == [
            .init(StoreChange(key: "k", version: 2, kind: .set("1")), 7),
            .init(StoreChange(key: "k", version: 3, kind: .set(nil)), 7),
            .init(StoreChange(key: "k", version: 4, kind: .append(seq: 1, item: "5", keep: 3)), 7),
        ])
        store.cancel("k", id: 7, watcher: watcher)
        _ = try store.watch("other", id: 9, watcher: watcher)
        _ = try store.set("k", json: "2")
        _ = try store.set("other", json: "2") // told after k's change, were that told
        let seen = try await watcher.waitFor(4)
        #expect(seen.count == 4)
        #expect(seen.last == .init(StoreChange(key: "other", version: 2, kind: .set("2")), 9))
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

    /// A replica that lost the database's notices learns a list's newest
    /// item: a watcher behind it is told of a gap of the items it missed,
    /// one that has them all of nothing.
    @Test func aListReadAgainAfterLostNoticesIsAGapForAWatcherBehindIt() {
        var behind = WatchMailbox(version: 2, lastSeq: 2)
        _ = behind.offer(StoreChange(key: "l", version: 3, kind: .append(seq: 3, item: "3", keep: 10)))
        let behindWasEmpty = behind.offer(StoreChange(key: "l", version: 7, kind: .list(lastSeq: 7)))
        #expect(!behindWasEmpty)
        let (events, missed) = behind.take()
        #expect(missed == 4)
        #expect(events == [.item(seq: 3, json: "3")])

        var upToDate = WatchMailbox(version: 5, lastSeq: 5)
        let scheduled = upToDate.offer(StoreChange(key: "l", version: 6, kind: .list(lastSeq: 5)))
        #expect(!scheduled)
        #expect(upToDate.isEmpty)
        var empty = WatchMailbox(version: 1, lastSeq: 1)
        let emptyWasEmpty = empty.offer(StoreChange(key: "l", version: 4, kind: .list(lastSeq: 4)))
        #expect(emptyWasEmpty)
        #expect(empty.take().missed == 3)
    }
}

/// What only a database shared by replicas does: one replica's watcher is
/// told of another's writes, large values included (too large for a
/// notification, read from the tables instead).
struct SharedStoreTests {
    @Test(.enabled(if: Backend.postgresURL != nil)) func aWatcherOnOneReplicaSeesTheOthersWrites() async throws {
        let fixture = StoreFixture(.postgres)
        defer { fixture.close() }
        let here = try fixture.open(), there = try fixture.open()
        let watcher = Recorder()
        _ = try here.watch("k", id: 1, watcher: watcher)
        _ = try here.watch("l", id: 2, watcher: watcher)
        let large = "\"" + String(repeating: "é", count: 6000) + "\"" // 12 KB of UTF-8
        _ = try there.set("k", json: "1")
        _ = try there.set("k", json: large)
        _ = try there.append("l", item: large, keep: 2)
        _ = try there.append("l", item: "2", keep: 2)
        #expect(try await watcher.waitFor(4) == [
            .init(StoreChange(key: "k", version: 1, kind: .set("1")), 1),
            .init(StoreChange(key: "k", version: 2, kind: .set(large)), 1),
            .init(StoreChange(key: "l", version: 1, kind: .append(seq: 1, item: large, keep: 2)), 2),
            .init(StoreChange(key: "l", version: 2, kind: .append(seq: 2, item: "2", keep: 2)), 2),
        ])
        #expect(try here.get("l") == StoredEntry(.list([large, "2"], lastSeq: 2), version: 2))
        #expect(try here.byteCount() == large.utf8.count * 2 + 1)
    }

    @Test func aStoreURLThatIsNotOneSaysSo() {
        for url in ["mysql://x", "postgres://", "not a url", "postgres://h/db?sslmode=maybe"] {
            let error = #expect(throws: StoreError.self) { _ = try StoreDatabase(url: url, logger: .init(label: "t")) }
            #expect(error?.message.contains("--store") == true, "\(url)")
        }
        let unreachable = #expect(throws: StoreError.self) {
            _ = try StoreDatabase(url: "postgres://u:secret@127.0.0.1:1/db", logger: .init(label: "t"))
        }
        #expect(unreachable?.message.contains("cannot be used") == true)
        #expect(unreachable?.message.contains("secret") == false, "the password is not in the message")
    }
}
