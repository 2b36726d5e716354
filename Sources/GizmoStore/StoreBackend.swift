/// Where a module's store keeps its keys: one interface, so that the store's
/// semantics (compare-and-set versions, bounded lists) hold the same over
/// every backend (SQLite now; a database shared by replicas later).
///
/// Every key has a version that grows with each change to it and never goes
/// back, deletions included, so a writer can ask "only if nobody wrote since
/// version v" and a watcher can drop changes older than one it has seen.
/// A call that returns has made its change durable.
public protocol StoreBackend: Sendable {
    /// The key's contents now; ``StoredEntry/absent`` with version 0 for a key never written.
    func read(_ key: String) throws(StoreError) -> StoredEntry
    /// Sets (or, with nil, deletes) a key's value; with `ifVersion`, only if the
    /// key is still at that version (else `.conflict`, nothing written).
    func put(_ key: String, json: String?, ifVersion: Int64?, limits: StoreLimits) throws(StoreError) -> PutOutcome
    /// Adds an item to the key's list, keeping its last `keep` items.
    func append(_ key: String, item: String, keep: Int, limits: StoreLimits) throws(StoreError) -> Appended
    /// Bytes of every value and item.
    func byteCount() throws(StoreError) -> Int
    func close()
    /// Whether its changes come back to ``ModuleStore/deliver(_:)`` from
    /// outside (a database shared by replicas tells every replica, this one
    /// included, in commit order) rather than being told by the writer.
    var sharesChanges: Bool { get }
}

extension StoreBackend {
    public var sharesChanges: Bool { false }
}

public struct StoredEntry: Sendable, Equatable {
    public enum Contents: Sendable, Equatable {
        case absent
        case value(String)
        /// The items' JSON, oldest first, and the sequence number of the last.
        case list([String], lastSeq: Int64)
    }
    public var contents: Contents
    public var version: Int64

    public init(_ contents: Contents, version: Int64) {
        self.contents = contents
        self.version = version
    }

    /// The JSON a script reads: the value, the list as an array, or nil.
    public var json: String? {
        switch contents {
        case .absent: nil
        case .value(let json): json
        case .list(let items, _): "[" + items.joined(separator: ",") + "]"
        }
    }
}

public enum PutOutcome: Sendable, Equatable {
    case written(version: Int64)
    case conflict
}

public struct Appended: Sendable, Equatable {
    public var version: Int64
    public var seq: Int64
}
