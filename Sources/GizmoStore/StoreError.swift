/// Why a store call failed, in words for the script's author (the library
/// raises it at the script's line).
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
