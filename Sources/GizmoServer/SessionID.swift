import Foundation

/// A session's id as H5Gizmos shapes it, `MGR_<epoch-ms>_<n>`.
///
/// H5Gizmos counts `n` up from 0, which makes a live page's address easy to
/// guess; here `n` is random (63 bits), so the id doubles as the only
/// capability a page needs.
public struct SessionID: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public static func make(now: Date = Date()) -> SessionID {
        let milliseconds = UInt64(now.timeIntervalSince1970 * 1000)
        return SessionID(unchecked: "MGR_\(milliseconds)_\(UInt64.random(in: 1...UInt64(Int64.max)))")
    }

    /// Accepts only the exact shape, so nothing else is ever looked up.
    public init?(_ rawValue: String) {
        let parts = rawValue.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "MGR",
              (1...20).contains(parts[1].count), parts[1].allSatisfy(\.isASCIIDigit),
              (1...20).contains(parts[2].count), parts[2].allSatisfy(\.isASCIIDigit)
        else { return nil }
        self.rawValue = rawValue
    }

    private init(unchecked rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
