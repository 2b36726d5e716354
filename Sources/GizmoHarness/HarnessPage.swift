import Foundation
import GizmoServer

/// One simulated page of a test, joined to its session in this process:
/// the ``SimulatedPage`` that applies the session's frames, its connection,
/// and the answers the test gave for `gz.get`.
///
/// Frames arrive on the session's thread; the test reads and acts on its
/// own. One lock (a condition, which `wait_for` waits on) keeps them apart.
final class HarnessPage: @unchecked Sendable {
    let session: Session
    /// The page's number in its test (1, 2, ...), for the test's output.
    let number: Int
    unowned let world: HarnessWorld
    private let condition = NSCondition()
    // Guarded by `condition`:
    private let model: SimulatedPage
    private var connection: Int?
    private var framesApplied = 0
    private var answers: [String: Answer] = [:]
    private var errorsRead = 0
    private var ended = false

    /// The test's answer to a `gz.get` of one expression.
    enum Answer {
        case value(json: String)
        case error(String)
    }

    init(session: Session, world: HarnessWorld, number: Int) {
        self.session = session
        self.world = world
        self.number = number
        model = SimulatedPage(pageID: "test-page-\(number)")
    }

    // MARK: The connection

    /// Joins the session (again): hello, then what the page kept for it.
    func connect() async {
        let connection = session.connect(inProcess: { [weak self] frame in self?.deliver(frame) })
        let hello = locked { page -> String in
            self.connection = connection
            return page.hello()
        }
        await session.receive(inProcess: hello, from: connection)
        await flush(resending: true)
    }

    /// Drops the connection as a lost network would; what the person does
    /// meanwhile waits in the page (as in a browser) until ``connect()``.
    func disconnect() async {
        guard let connection = locked({ _ in self.connection }) else { return }
        locked { _ in self.connection = nil }
        await session.disconnect(inProcess: connection)
    }

    var isConnected: Bool { locked { _ in connection != nil } }

    /// The test is over: frames after this are ignored.
    func end() {
        locked { _ in ended = true }
    }

    private func deliver(_ frame: String) {
        condition.lock()
        defer { condition.unlock() }
        guard !ended else { return }
        model.apply(frame)
        framesApplied += 1
        condition.broadcast()
    }

    /// Sends what the page has for the server: after a (re)connect, first
    /// the messages the server has not acknowledged; a page that lost a
    /// frame reconnects, as gizmo.js does.
    func flush(resending: Bool = false) async {
        let (messages, connection, lost) = locked { page -> ([String], Int?, Bool) in
            guard let connection = self.connection else { return ([], nil, false) }
            let messages = (resending ? page.messagesToResend() : []) + page.messagesToSend()
            return (messages, connection, page.needsReconnect)
        }
        guard let connection else { return }
        for message in messages { await session.receive(inProcess: message, from: connection) }
        if lost {
            await disconnect()
            await connect()
        }
    }

    // MARK: What the test does

    /// Runs a person's action on the page, sends what it made, settles.
    func act(_ action: (SimulatedPage) throws -> Void) async throws(HarnessError) {
        do {
            try locked { page throws in try action(page) }
        } catch {
            throw HarnessError(error)
        }
        await flush()
        await world.settle()
    }

    /// Reads the page under the lock.
    func read<T>(_ body: (SimulatedPage) throws -> T) throws(HarnessError) -> T {
        do {
            return try locked { page throws in try body(page) }
        } catch {
            throw HarnessError(error)
        }
    }

    /// How many frames the page has applied: `wait_for` waits for it to move.
    var frameCount: Int { locked { _ in framesApplied } }

    /// Waits until a frame beyond `count` arrives or `deadline` passes;
    /// answers whether one did. Call it on the test's thread only.
    func waitForFrame(after count: Int, until deadline: Date) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while framesApplied == count {
            if !condition.wait(until: deadline) { return framesApplied != count }
        }
        return true
    }

    // MARK: gz.get

    func answer(_ expression: String, with answer: Answer) {
        locked { _ in answers[expression] = answer }
    }

    /// Replies to each waiting `gz.get` the test has an answer for; answers
    /// whether it sent any.
    func answerGets() async -> Bool {
        let replied = locked { page -> Bool in
            var replied = false
            for get in page.pendingGets {
                switch answers[get.expression] {
                case .value(let json)?: page.reply(to: get.req, value: json)
                case .error(let message)?: page.reply(to: get.req, error: message)
                case nil: continue
                }
                replied = true
            }
            return replied
        }
        if replied { await flush() }
        return replied
    }

    // MARK: Errors shown in the page

    /// The tray's errors the test has not read yet; reading them marks them read.
    func takeErrors() -> [String] {
        locked { page in
            defer { errorsRead = page.tray.count }
            return Array(page.tray.dropFirst(errorsRead))
        }
    }

    /// The tray's entries the test never read (each fails the test).
    var unreadErrors: [String] {
        locked { page in Array(page.tray.dropFirst(errorsRead)) }
    }

    /// What the page shows, for a failing test's report.
    var report: String {
        locked { page in
            var lines = ["page \(number) (\(session.scriptName))\(connection == nil ? ", disconnected" : ""):"]
            let text = page.text()
            lines += (text.isEmpty ? ["(nothing visible)"] : text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
                .prefix(40).map { "  | " + $0 }
            for entry in page.tray { lines.append("  tray: " + entry) }
            for get in page.pendingGets where answers[get.expression] == nil {
                lines.append("  waits for an answer to gz.get(\(get.expression)): give one with page:answer(\"\(get.expression)\", value)")
            }
            if let overlay = page.overlay { lines.append("  overlay: \(overlay.title): \(overlay.message)") }
            if let closed = page.closedMessage { lines.append("  closed: \(closed)") }
            return lines.joined(separator: "\n")
        }
    }

    private func locked<T, E: Error>(_ body: (SimulatedPage) throws(E) -> T) throws(E) -> T {
        condition.lock()
        defer { condition.unlock() }
        return try body(model)
    }
}
