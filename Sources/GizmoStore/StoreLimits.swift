/// What one module's store may hold.
public struct StoreLimits: Sendable, Equatable {
    /// Bytes of one value's (or one appended item's) JSON.
    public var valueBytes: Int
    /// Bytes of all the module's values and items together.
    public var moduleBytes: Int

    public init(valueBytes: Int = 1 << 20, moduleBytes: Int = 256 << 20) {
        self.valueBytes = valueBytes
        self.moduleBytes = moduleBytes
    }

    /// Bytes of a key.
    public static let keyBytes = 256
    /// The most items `append` may keep, and the default.
    public static let maxKeep = 100_000
    public static let defaultKeep = 1000
}
