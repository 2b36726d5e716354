import Foundation
import Synchronization
import GRDB

/// A module's store in one SQLite file (Debian's SQLite, through GRDB), in
/// WAL mode with `synchronous = FULL`: a change is in the log and synced
/// before the call returns, so it survives `kill -9` (and a power cut), and a
/// transaction is never seen half-done.
///
/// Tables: `entry` (one row per key: its kind, its value's JSON, its version
/// and its list's last sequence number; a deleted key keeps its row, so its
/// version and sequence numbers keep growing and never repeat) and `item` (the items of list keys).
public final class SQLiteStore: StoreBackend {
    private let pool: DatabasePool
    /// Bytes of every value and item, kept by the writer (writes are serialized).
    private let total: Mutex<Int>

    enum Kind: Int64 { case absent = 0, value = 1, list = 2 }

    /// Opens (or creates) the store file.
    public init(path: String) throws(StoreError) {
        do {
            var configuration = Configuration()
            configuration.label = "gizmo.store"
            configuration.maximumReaderCount = 4
            pool = try DatabasePool(path: path, configuration: configuration)
            // GRDB sets NORMAL for WAL, which a power cut can roll back; the
            // writer is one connection, so this holds for every write.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
                try db.execute(sql: """
                    CREATE TABLE IF NOT EXISTS entry (
                        key TEXT PRIMARY KEY NOT NULL,
                        kind INTEGER NOT NULL,
                        json TEXT,
                        version INTEGER NOT NULL,
                        last_seq INTEGER NOT NULL DEFAULT 0
                    ) WITHOUT ROWID;
                    CREATE TABLE IF NOT EXISTS item (
                        key TEXT NOT NULL,
                        seq INTEGER NOT NULL,
                        json TEXT NOT NULL,
                        PRIMARY KEY (key, seq)
                    ) WITHOUT ROWID;
                    """)
            }
            let bytes = try pool.read { db in
                try Int.fetchOne(db, sql: """
                    SELECT (SELECT COALESCE(SUM(length(CAST(json AS BLOB))), 0) FROM entry)
                         + (SELECT COALESCE(SUM(length(CAST(json AS BLOB))), 0) FROM item)
                    """) ?? 0
            }
            total = Mutex(bytes)
        } catch {
            throw StoreError("the store at \(path) cannot be opened: \(Self.describe(error))")
        }
    }

    public func read(_ key: String) throws(StoreError) -> StoredEntry {
        try run { try pool.read { db in try Self.read(key, in: db) } }
    }

    public func put(_ key: String, json: String?, ifVersion: Int64?, limits: StoreLimits) throws(StoreError) -> PutOutcome {
        try run {
            try pool.write { db -> PutOutcome in
                let row = try Row.fetchOne(db, sql: "SELECT kind, version, length(CAST(json AS BLOB)) AS bytes FROM entry WHERE key = ?",
                                           arguments: [key])
                let version: Int64 = row?["version"] ?? 0
                if let ifVersion, ifVersion != version { return .conflict }
                var freed: Int = row?["bytes"] ?? 0
                if row?["kind"] == Kind.list.rawValue {
                    freed += try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(length(CAST(json AS BLOB))), 0) FROM item WHERE key = ?",
                                              arguments: [key]) ?? 0
                    try db.execute(sql: "DELETE FROM item WHERE key = ?", arguments: [key])
                }
                let added = json?.utf8.count ?? 0
                let after = try self.checkTotal(adding: added - freed, limits: limits)
                try db.execute(sql: """
                    INSERT INTO entry (key, kind, json, version, last_seq) VALUES (?, ?, ?, ?, 0)
                    ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, json = excluded.json,
                        version = excluded.version
                    """, arguments: [key, (json == nil ? Kind.absent : Kind.value).rawValue, json, version + 1])
                self.total.withLock { $0 = after }
                return .written(version: version + 1)
            }
        }
    }

    public func append(_ key: String, item: String, keep: Int, limits: StoreLimits) throws(StoreError) -> Appended {
        try run {
            try pool.write { db -> Appended in
                let row = try Row.fetchOne(db, sql: "SELECT kind, version, last_seq FROM entry WHERE key = ?", arguments: [key])
                if row?["kind"] == Kind.value.rawValue { throw StoreError.holdsAValue }
                let version: Int64 = row?["version"] ?? 0
                let seq: Int64 = (row?["last_seq"] ?? 0) + 1
                let dropBelow = seq - Int64(keep) + 1
                let freed = try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(length(CAST(json AS BLOB))), 0) FROM item WHERE key = ? AND seq < ?",
                                             arguments: [key, dropBelow]) ?? 0
                let after = try self.checkTotal(adding: item.utf8.count - freed, limits: limits)
                try db.execute(sql: "DELETE FROM item WHERE key = ? AND seq < ?", arguments: [key, dropBelow])
                try db.execute(sql: "INSERT INTO item (key, seq, json) VALUES (?, ?, ?)", arguments: [key, seq, item])
                try db.execute(sql: """
                    INSERT INTO entry (key, kind, json, version, last_seq) VALUES (?, ?, NULL, ?, ?)
                    ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, json = NULL,
                        version = excluded.version, last_seq = excluded.last_seq
                    """, arguments: [key, Kind.list.rawValue, version + 1, seq])
                self.total.withLock { $0 = after }
                return Appended(version: version + 1, seq: seq)
            }
        }
    }

    public func byteCount() throws(StoreError) -> Int { total.withLock { $0 } }

    public func close() {
        try? pool.close()
    }

    /// The module's total after a change of `delta` bytes, or the error that refuses it.
    private func checkTotal(adding delta: Int, limits: StoreLimits) throws(StoreError) -> Int {
        let after = total.withLock { $0 } + delta
        if delta > 0 && after > limits.moduleBytes { throw StoreLimits.full(after, limits) }
        return after
    }

    private static func read(_ key: String, in db: Database) throws -> StoredEntry {
        guard let row = try Row.fetchOne(db, sql: "SELECT kind, json, version, last_seq FROM entry WHERE key = ?",
                                         arguments: [key]) else { return StoredEntry(.absent, version: 0) }
        let version: Int64 = row["version"]
        switch Kind(rawValue: row["kind"]) {
        case .value:
            return StoredEntry(.value(row["json"]), version: version)
        case .list:
            let items = try String.fetchAll(db, sql: "SELECT json FROM item WHERE key = ? ORDER BY seq", arguments: [key])
            return StoredEntry(.list(items, lastSeq: row["last_seq"]), version: version)
        default:
            return StoredEntry(.absent, version: version)
        }
    }

    private func run<T>(_ body: () throws -> T) throws(StoreError) -> T {
        do {
            return try body()
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError("the store failed: \(Self.describe(error))")
        }
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error)" }
        return "\(error)"
    }
}
