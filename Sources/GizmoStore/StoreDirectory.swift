import Foundation
import Synchronization

/// The open stores of this server, one per module data folder, opened on
/// first use and shared by the module's service and sessions.
public final class StoreDirectory: Sendable {
    public let limits: StoreLimits
    private let stores = Mutex<[String: ModuleStore]>([:])
    private let open: @Sendable (URL) throws(StoreError) -> any StoreBackend

    /// The file of a module's store in its data folder.
    public static let fileName = "store.sqlite"

    /// The PostgreSQL database the stores are in, shared with other
    /// replicas; nil for SQLite files.
    public let database: StoreDatabase?

    public init(limits: StoreLimits = .init(),
                open: @escaping @Sendable (URL) throws(StoreError) -> any StoreBackend = StoreDirectory.openSQLite) {
        self.limits = limits
        self.open = open
        database = nil
    }

    /// Every module's store in `database`, shared with the other replicas
    /// that use it; a module is known there by its name (its data folder's
    /// last component), so replicas with different data roots share it.
    public init(limits: StoreLimits = .init(), database: StoreDatabase) {
        self.limits = limits
        self.database = database
        open = { folder throws(StoreError) in PostgresStore(database: database, module: folder.lastPathComponent) }
        database.receive({ [weak self] notice in self?.received(notice) }, listening: { [weak self] in self?.resync() })
    }

    /// The store of the module whose data folder is `folder`.
    public func store(in folder: URL) throws(StoreError) -> ModuleStore {
        let path = folder.standardizedFileURL.path
        return try stores.withLock { stores throws(StoreError) -> ModuleStore in
            if let store = stores[path] { return store }
            let store = ModuleStore(backend: try open(folder), limits: limits)
            stores[path] = store
            return store
        }
    }

    /// Closes every store (the server is stopping).
    public func closeAll() {
        let all = stores.withLock { stores in
            defer { stores = [:] }
            return Array(stores.values)
        }
        for store in all { store.close() }
        database?.close()
    }

    /// The open store of the module named `module` in the database, with its backend.
    private func openStore(module: String) -> (ModuleStore, PostgresStore)? {
        stores.withLock { stores in
            for store in stores.values {
                if let backend = store.backend as? PostgresStore, backend.module == module { return (store, backend) }
            }
            return nil
        }
    }

    /// A replica's change, from the database's notifications: told to this
    /// replica's watchers of the key, if any. A notice too large to carry
    /// its JSON is read from the tables (a list item the list no longer
    /// keeps is skipped: a later item or value follows it).
    private func received(_ notice: StoreDatabase.Notice) {
        guard let (store, backend) = openStore(module: notice.m), store.isWatched(notice.k) else { return }
        do {
            switch notice.t {
            case "append":
                guard let seq = notice.s, let keep = notice.keep else { return }
                guard let item = notice.big == true ? try backend.item(notice.k, seq: seq) : notice.j else { return }
                store.deliver(StoreChange(key: notice.k, version: notice.v, kind: .append(seq: seq, item: item, keep: keep)))
            default:
                if notice.big == true {
                    let entry = try backend.read(notice.k)
                    store.deliver(StoreChange(key: notice.k, version: entry.version, kind: .set(entry.json)))
                } else {
                    store.deliver(StoreChange(key: notice.k, version: notice.v, kind: .set(notice.j)))
                }
            }
        } catch {
            // The database went away between the notice and the read; the
            // listening connection's restart reads every watched key again.
        }
    }

    /// After the listening connection (re)started: what changed while no
    /// notice could come is read again for every watched key, and told as
    /// its value now, or for a list as its newest item, which a watcher
    /// behind it gets as a gap (a watcher drops either if it has seen that
    /// version).
    private func resync() {
        let all = stores.withLock { Array($0.values) }
        for store in all {
            for key in store.watchedKeys {
                guard let entry = try? store.get(key) else { continue }
                if case .list(_, let lastSeq) = entry.contents {
                    store.deliver(StoreChange(key: key, version: entry.version, kind: .list(lastSeq: lastSeq)))
                } else {
                    store.deliver(StoreChange(key: key, version: entry.version, kind: .set(entry.json)))
                }
            }
        }
    }

    @Sendable public static func openSQLite(_ folder: URL) throws(StoreError) -> any StoreBackend {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw StoreError("cannot create the data folder \(folder.path): \(error.localizedDescription)")
        }
        return try SQLiteStore(path: folder.appendingPathComponent(fileName).path)
    }
}
