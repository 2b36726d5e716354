/// Why a store call failed, in words for the script's author (the library
/// raises it at the script's line).
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of refusal it is, for answers that are not Lua errors
    /// (`POST /push/` answers 507 for a full store, 409 for the wrong kind).
    public enum Reason: Sendable, Equatable {
        case full
        case wrongKind
        case other
    }

    public var message: String
    public var reason: Reason
    public init(_ message: String, reason: Reason = .other) {
        self.message = message
        self.reason = reason
    }
    public var description: String { message }

    /// `append` to a key that holds a value.
    static let holdsAValue = StoreError("the key holds a value, not a list; set it to nil first to make it a list",
                                        reason: .wrongKind)
}
