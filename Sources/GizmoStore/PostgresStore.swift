import Foundation
import PostgresNIO

/// One module's store in the shared PostgreSQL database (``StoreDatabase``):
/// the same semantics as ``SQLiteStore``, each write one call of a function
/// of ``PostgresSchema`` (one round trip, one transaction), so that replicas
/// writing the same key wait for each other's row lock and never lose an
/// update. A call that returns has committed (PostgreSQL's default
/// `synchronous_commit = on`: the commit is flushed to its WAL).
///
/// Its changes reach watchers through the database's notifications, on every
/// replica alike (``sharesChanges``), this one included.
public final class PostgresStore: StoreBackend {
    private let database: StoreDatabase
    /// The module's name: its rows' first key column.
    public let module: String

    init(database: StoreDatabase, module: String) {
        self.database = database
        self.module = module
    }

    public var sharesChanges: Bool { true }

    public func read(_ key: String) throws(StoreError) -> StoredEntry {
        let module = self.module
        return try database.wait { client -> StoredEntry in
            let rows = try await client.query(PostgresQuery(unsafeSQL: PostgresSchema.read, binds: Self.binds(module, key)))
            for try await (kind, json, version, lastSeq, items) in rows.decode((Int16, String?, Int64, Int64, [String]?).self) {
                return Self.entry(kind: kind, json: json, version: version, lastSeq: lastSeq, items: items ?? [])
            }
            return StoredEntry(.absent, version: 0)
        }
    }

    public func put(_ key: String, json: String?, ifVersion: Int64?, limits: StoreLimits) throws(StoreError) -> PutOutcome {
        let module = self.module, limit = Int64(limits.moduleBytes), payload = Int64(PostgresSchema.payloadBytes)
        let (outcome, version, total) = try database.wait(write: true) { client -> (String, Int64, Int64?) in
            let rows = try await client.query("""
                SELECT outcome, version, total FROM gizmo_put(\(module), \(key), \(json), \(ifVersion), \(limit), \(payload))
                """)
            for try await row in rows.decode((String, Int64, Int64?).self) { return row }
            throw StoreError("gizmo_put answered no row")
        }
        switch outcome {
        case "written": return .written(version: version)
        case "conflict": return .conflict
        default: throw StoreLimits.full(total ?? 0, limits)
        }
    }

    public func append(_ key: String, item: String, keep: Int, limits: StoreLimits) throws(StoreError) -> Appended {
        let module = self.module, limit = Int64(limits.moduleBytes), payload = Int64(PostgresSchema.payloadBytes), keep = Int64(keep)
        let (outcome, version, seq, total) = try database.wait(write: true) { client -> (String, Int64, Int64, Int64?) in
            let rows = try await client.query("""
                SELECT outcome, version, seq, total FROM gizmo_append(\(module), \(key), \(item), \(keep), \(limit), \(payload))
                """)
            for try await row in rows.decode((String, Int64, Int64, Int64?).self) { return row }
            throw StoreError("gizmo_append answered no row")
        }
        switch outcome {
        case "appended": return Appended(version: version, seq: seq)
        case "wrongkind": throw StoreError.holdsAValue
        default: throw StoreLimits.full(total ?? 0, limits)
        }
    }

    public func byteCount() throws(StoreError) -> Int {
        let module = self.module
        return try database.wait { client -> Int in
            let rows = try await client.query("SELECT bytes FROM gizmo_module WHERE module = \(module)")
            for try await bytes in rows.decode(Int64.self) { return Int(bytes) }
            return 0
        }
    }

    /// The database is the server's, shared by every module: it closes with
    /// the ``StoreDirectory`` (``StoreDatabase/close()``).
    public func close() {}

    /// A list item of the key, if the list still keeps it (a notification
    /// too large to carry it).
    func item(_ key: String, seq: Int64) throws(StoreError) -> String? {
        let module = self.module
        return try database.wait { client -> String? in
            let rows = try await client.query(
                "SELECT json FROM gizmo_item WHERE module = \(module) AND key = \(key) AND seq = \(seq)")
            for try await json in rows.decode(String.self) { return json }
            return nil
        }
    }

    private static func binds(_ module: String, _ key: String) -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(module)
        binds.append(key)
        return binds
    }

    private static func entry(kind: Int16, json: String?, version: Int64, lastSeq: Int64, items: [String]) -> StoredEntry {
        switch kind {
        case 1: StoredEntry(.value(json ?? "null"), version: version)
        case 2: StoredEntry(.list(items, lastSeq: lastSeq), version: version)
        default: StoredEntry(.absent, version: version)
        }
    }
}
