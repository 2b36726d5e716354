/// Why a person's action or a search in a ``SimulatedPage`` failed: the
/// message says what the page holds and what to do, ready to show at the
/// test's line.
struct PageError: Error, CustomStringConvertible {
    var message: String

    init(_ message: String) { self.message = message }
    init(message: String) { self.message = message }

    var description: String { message }
}
