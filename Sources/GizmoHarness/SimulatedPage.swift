/// The child page of `gizmolua test`, without a browser or a socket: it
/// applies the server's frames as `gizmo.js` applies them (docs/protocol.md)
/// to a small document model, and makes the messages `gizmo.js` would send
/// when a person clicks, types or chooses.
///
/// What it models is what a person meets: the tree the NODEs build (HTML in
/// `outer`/`html` read by ``HTMLFragment``), text as `innerText` shows it,
/// visibility and enabledness, form values, the listeners `on` adds and the
/// events a person's action fires, frame numbering and the messages kept
/// until acknowledged. JavaScript does not run: `init` (js_init) and `exec`
/// are skipped, `head` scripts are not loaded, and a `get` waits for the
/// test's answer (``pendingGets``).
///
/// Not thread-safe: the harness serializes access to one page.
final class SimulatedPage {
    let pageID: String
    /// The gizmo area (`#gz-root`): its one child is the rendered tree.
    let root = PageNode(tag: "div")

    /// Component id -> its element, as gizmo.js's `components`.
    var components: [Int: PageNode] = [:]
    /// "id event" -> the element listening, as gizmo.js's `listeners`.
    var listenerElements: [String: PageNode] = [:]
    /// The render generation shown (`g` of calls).
    var generation: PageJSON = .null
    /// The component focused by a `focus` command or a person's action.
    var focusedElement: PageNode?

    private var awaitingWelcome = true
    private var lastFrame: Int?
    private var welcomed = false
    private var lost = false
    private(set) var closedMessage: String?
    private(set) var overlay: (title: String, message: String)?
    private var trayEntries: [String] = []
    private var gets: [(req: Int, expression: String)] = []
    var outbox = PageOutbox()
    /// `input` events waiting for the next animation frame: the latest per callback, in first-held order.
    var heldInputs: [(cb: Int, event: PageJSON)] = []
    /// Events sent so far (their `timeStamp`s increase).
    var eventCount = 0

    /// The tray keeps this many entries, then stops adding (its indices stay put for the harness).
    static let maxTrayEntries = 10_000

    init(pageID: String) {
        self.pageID = pageID
        root.setAttribute("id", "gz-root")
    }

    // MARK: The connection

    /// The message that opens every (re)connection: `n` lets the server
    /// resume from the last frame this page applied.
    func hello() -> String {
        awaitingWelcome = true
        welcomed = false
        lost = false
        return PageJSON.object([
            ("t", .string("hello")), ("v", .int(2)), ("p", .string(pageID)), ("n", lastFrame.map { .int($0) } ?? .null),
        ]).text
    }

    /// A frame skipped a number: the page drops its socket and says hello
    /// again (frames until then are ignored, as from a socket it gave up).
    var needsReconnect: Bool { lost }

    /// The number of the last frame applied (nil before the first welcome).
    var lastFrameNumber: Int? { lastFrame }

    /// Messages numbered since the last call (a person's actions, replies, errors).
    func messagesToSend() -> [String] { outbox.takeNew() }

    /// After a welcome: every kept message it did not acknowledge, in order;
    /// nothing before one.
    func messagesToResend() -> [String] {
        welcomed ? outbox.takeResend() : []
    }

    // MARK: Frames

    /// Applies one text frame from the server. A frame that is not JSON or
    /// not an array goes to the tray; a command that fails sends an `error`
    /// message, as gizmo.js does (the server shows it in the tray).
    func apply(_ frame: String) {
        guard !lost, closedMessage == nil else { return } // a socket the page gave up on, or closed
        guard let json = PageJSON.parse(frame) else {
            let sample = frame.count > 80 ? String(frame.prefix(80)) + "…" : frame
            showError("Ignored a frame from the server that is not JSON: \(JSONTextSample.describe(sample))")
            return
        }
        guard var commands = json.array else {
            showError("Ignored a frame from the server that is not an array of commands.")
            return
        }
        let header = commands.first
        switch header?["op"]?.string {
        case "welcome":
            awaitingWelcome = false
            welcomed = true
            lastFrame = header?["n"]?.int
            outbox.forget(upTo: header?["acked"]?.int ?? 0)
            commands.removeFirst()
        case "frame":
            if awaitingWelcome { return }
            if let n = header?["n"]?.int {
                if let last = lastFrame, n <= last { return } // replayed: applied already
                if let last = lastFrame, n != last + 1 { lost = true; return } // a frame went missing
                lastFrame = n
            }
            commands.removeFirst()
        default:
            if awaitingWelcome {
                // Only `close` matters before the welcome.
                if let close = commands.first(where: { $0["op"]?.string == "close" }) { run(close) }
                return
            }
        }
        for command in commands {
            if let to = command["to"], !to.isNull, to != .string(pageID) { continue }
            run(command)
            if closedMessage != nil { return }
        }
    }

    // MARK: What the page shows besides the gizmo

    /// Errors and notices the page showed, in order (gizmo.js counts a
    /// repeat up, ×2; here each stays an entry).
    var tray: [String] { trayEntries }

    func showError(_ message: String) { addToTray(message) }
    func showNotice(_ message: String) { addToTray(message) }

    private func addToTray(_ message: String) {
        if trayEntries.count < SimulatedPage.maxTrayEntries { trayEntries.append(message) }
    }

    func setOverlay(title: String, message: String) { overlay = (title, message) }
    func removeOverlay() { overlay = nil }
    func close(_ message: String) { closedMessage = message }

    // MARK: gz.get

    /// `get` commands waiting for the test's answer: the request and its
    /// expression as JavaScript text.
    var pendingGets: [(req: Int, expression: String)] { gets }

    func addGet(req: Int, expression: String) { gets.append((req, expression)) }

    /// Answers a `get` with a JSON value (the value as the page would send it).
    func reply(to req: Int, value json: String) {
        guard let at = gets.firstIndex(where: { $0.req == req }) else { return }
        gets.remove(at: at)
        guard let value = PageJSON.parse(json) else {
            send([("t", .string("reply")), ("req", .int(req)), ("ok", .bool(false)),
                  ("err", .string("SyntaxError: the test's answer is not JSON"))])
            return
        }
        if !send([("t", .string("reply")), ("req", .int(req)), ("ok", .bool(true)), ("v", value)]) {
            send([("t", .string("reply")), ("req", .int(req)), ("ok", .bool(false)),
                  ("err", .string("RangeError: the value is over the 1 MiB message limit"))])
        }
    }

    /// Answers a `get` with an exception of the page.
    func reply(to req: Int, error message: String) {
        guard let at = gets.firstIndex(where: { $0.req == req }) else { return }
        gets.remove(at: at)
        send([("t", .string("reply")), ("req", .int(req)), ("ok", .bool(false)), ("err", .string(message))])
    }

    // MARK: Sending

    /// Numbers and keeps a message; false (and a line in the tray) when it is refused.
    @discardableResult
    func send(_ fields: [(String, PageJSON)]) -> Bool {
        switch outbox.send(fields, pageID: pageID) {
        case .success: return true
        case .failure(.tooLarge(let length)):
            let kind = fields.first { $0.0 == "t" }?.1.string ?? "?"
            showError("Not sent: a \"\(kind)\" message of \(length) characters is over the 1 MiB limit.")
        case .failure(.tooMuchWaiting):
            showError("Not sent: too much is waiting for the connection to the gizmo to come back. Reload the page once it is back.")
        }
        return false
    }

    func sendError(_ message: String, op: String? = nil) {
        var fields: [(String, PageJSON)] = [("t", .string("error")), ("msg", .string(message))]
        if let op { fields.append(("op", .string(op))) }
        send(fields)
    }
}

/// A short, printable sample of a frame for a tray message.
enum JSONTextSample {
    static func describe(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.value < 0x20 ? "\u{FFFD}" : Character($0) })
    }
}
