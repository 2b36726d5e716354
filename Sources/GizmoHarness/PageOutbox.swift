/// The messages a page sends, kept as gizmo.js keeps them: numbered (`m`:
/// 1, 2, ... for the page's life, across reconnects), held until the server
/// says it ran them (`ack`, a welcome's `acked`), sent again after a welcome.
///
/// A plain struct: ``SimulatedPage`` owns one and the lead's page hands its
/// messages to the session.
struct PageOutbox {
    static let maxMessageChars = 1_048_576
    static let maxWaitingMessages = 1000
    static let maxWaitingChars = 4 * 1_048_576

    private(set) var lastNumber = 0
    /// Sent and not acknowledged, in order.
    private(set) var unacked: [(m: Int, text: String)] = []
    private var unackedChars = 0
    /// The highest number handed out by ``takeNew()`` or ``takeResend()``.
    private var handedOut = 0

    enum Refusal: Error {
        /// Over the 1 MiB a message may hold (its size in characters).
        case tooLarge(Int)
        /// Too much waits for the server already.
        case tooMuchWaiting
    }

    /// Numbers `message` (adds `p` and `m`, after its own fields, as gizmo.js does) and keeps it.
    mutating func send(_ fields: [(String, PageJSON)], pageID: String) -> Result<Void, Refusal> {
        let number = lastNumber + 1
        let text = PageJSON.object(fields + [("p", .string(pageID)), ("m", .int(number))]).text
        // gizmo.js counts UTF-16 code units (`text.length`).
        let length = text.utf16.count
        if length > PageOutbox.maxMessageChars { return .failure(.tooLarge(length)) }
        // The simulation sees no socket; the server acknowledges each turn, so
        // a page that keeps this much has lost its connection: refuse, as gizmo.js does then.
        if unacked.count >= PageOutbox.maxWaitingMessages || unackedChars + length > PageOutbox.maxWaitingChars {
            return .failure(.tooMuchWaiting)
        }
        lastNumber = number
        unacked.append((number, text))
        unackedChars += length
        return .success(())
    }

    /// The server ran messages up to `acked`: stop keeping them.
    mutating func forget(upTo acked: Int) {
        while let first = unacked.first, first.m <= acked {
            unackedChars -= first.text.utf16.count
            unacked.removeFirst()
        }
    }

    /// Messages numbered since the last take.
    mutating func takeNew() -> [String] {
        let new = unacked.filter { $0.m > handedOut }.map(\.text)
        handedOut = lastNumber
        return new
    }

    /// Every kept message (after a welcome forgot the acknowledged ones).
    mutating func takeResend() -> [String] {
        handedOut = lastNumber
        return unacked.map(\.text)
    }
}
