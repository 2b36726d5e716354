/// One committed change of a key, as the store tells its watchers. The JSON
/// text is made once and shared by every watcher.
public struct StoreChange: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The key's new value (nil: deleted).
        case set(String?)
        /// An item appended to the key's list, which keeps its last `keep` items.
        case append(seq: Int64, item: String, keep: Int)
        /// The key is a list whose newest item is `lastSeq`, told when its
        /// changes could not be followed (a replica that lost the database's
        /// notices for a while): a watcher behind it gets a gap.
        case list(lastSeq: Int64)
    }
    public var key: String
    public var version: Int64
    public var kind: Kind

    public init(key: String, version: Int64, kind: Kind) {
        self.key = key
        self.version = version
        self.kind = kind
    }
}

/// What receives the changes of the keys it watches (a Lua state's watches).
/// Called with the store's write lock held, so it must only note the change
/// and schedule its delivery, never call back into the store.
public protocol StoreWatcher: AnyObject, Sendable {
    func changed(_ change: StoreChange, watch: Int)
}
