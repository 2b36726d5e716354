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

    public init(limits: StoreLimits = .init(),
                open: @escaping @Sendable (URL) throws(StoreError) -> any StoreBackend = StoreDirectory.openSQLite) {
        self.limits = limits
        self.open = open
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
