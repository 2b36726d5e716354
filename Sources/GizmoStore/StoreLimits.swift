import Foundation

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

    /// The error of a write that would bring the module's store to `after` bytes.
    static func full(_ after: some BinaryInteger, _ limits: StoreLimits) -> StoreError {
        StoreError("the module's store would hold \(mebibytes(Int(after))) MiB, past its limit of "
            + "\(mebibytes(limits.moduleBytes)) MiB (--store-limit); delete keys or keep shorter lists", reason: .full)
    }

    static func mebibytes(_ bytes: Int) -> String {
        String(format: "%.1f", Double(bytes) / 1_048_576)
    }
}
