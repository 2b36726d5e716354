import Foundation
import GizmoLua
@testable import GizmoServer
import HummingbirdTesting
import HummingbirdWSClient
import HummingbirdWSTesting
import Logging
import Testing

/// A page's socket for tests that need two at once: frames arrive in the
/// background; the test reads them in order and sends as it goes.
actor TestPage {
    private nonisolated let outgoing: AsyncStream<String>.Continuation
    /// Where the socket's frames go; finished early when a frame is overdue.
    private nonisolated let frameSink: AsyncStream<String>.Continuation
    private var incoming: AsyncStream<String>.AsyncIterator
    private let task: Task<Void, any Error>

    init(port: Int, session: SessionID) {
        let (frames, frameSink) = AsyncStream.makeStream(of: String.self)
        let (outbox, outgoing) = AsyncStream.makeStream(of: String.self)
        self.outgoing = outgoing
        self.frameSink = frameSink
        incoming = frames.makeAsyncIterator()
        var logger = Logger(label: "test-page")
        logger.logLevel = .critical
        task = Task {
            try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/gizmo/ws/\(session)", logger: logger) {
                inbound, outbound, _ in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for try await message in inbound.messages(maxSize: 1 << 20) {
                            if case .text(let text) = message { frameSink.yield(text) }
                        }
                        frameSink.finish()
                    }
                    for await text in outbox { try await outbound.write(.text(text)) }
                    group.cancelAll()
                }
            }
        }
    }

    nonisolated func send(_ text: String) { outgoing.yield(text) }

    /// The next frame's text.
    private func next() async -> String? {
        var iterator = incoming
        let text = await iterator.next(isolation: self)
        incoming = iterator
        return text
    }

    /// The next frame as JSON commands, header included. A frame that does
    /// not come within a minute fails the test instead of hanging the run.
    nonisolated func frame() async throws -> [[String: Any]] {
        let frames = frameSink
        let overdue = Task {
            try await Task.sleep(for: .seconds(60))
            frames.finish()
        }
        defer { overdue.cancel() }
        guard let text = await next() else {
            Issue.record("the socket closed, or no frame came within a minute")
            return []
        }
        return try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] ?? []
    }

    /// Closes the socket and waits until it has closed.
    func close() async {
        outgoing.finish()
        _ = try? await task.value
    }

    nonisolated func hello(page: String, n: Int? = nil) {
        send(#"{"t":"hello","v":2,"p":"\#(page)","n":\#(n.map(String.init) ?? "null")}"#)
    }

    nonisolated func click(_ callback: Int, page: String, m: Int) {
        send(#"{"t":"call","p":"\#(page)","m":\#(m),"g":0,"cb":\#(callback),"args":[{}]}"#)
    }

    /// The welcome's frame number and the click callback of the render after it.
    nonisolated func join() async throws -> (n: Int, callback: Int) {
        let frame = try await frame()
        #expect(frame.first?["op"] as? String == "welcome")
        let n = try #require(frame.first?["n"] as? Int)
        let render = try #require(frame.dropFirst().first)
        #expect(render["op"] as? String == "render")
        let node = try #require(render["node"] as? [String: Any])
        let button = try #require((node["kids"] as? [[String: Any]])?.first)
        return (n, try #require((button["on"] as? [String: Int])?["click"]))
    }

    /// The number and text update of a frame a click made.
    nonisolated func update() async throws -> (n: Int?, text: String?) {
        let frame = try await frame()
        #expect(frame.first?["op"] as? String == "frame")
        return (frame.first?["n"] as? Int, frame.first { $0["op"] as? String == "text" }?["v"] as? String)
    }
}

/// Several pages of one session, numbered frames, resuming after a dropped
/// socket, and messages sent again run once (docs/protocol.md, "Sessions and
/// reconnection").
@Suite(.serialized)
struct PageConnectionTests {
    @Test func twoPagesOfOneSessionAreBothLiveAndMirrorEachOther() async throws {
        let (app, _, session) = try await GizmoApplicationTests().makeApp(grace: 60)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let laptop = TestPage(port: port, session: session.id), phone = TestPage(port: port, session: session.id)
            laptop.hello(page: "laptop")
            let (_, callback) = try await laptop.join()
            phone.hello(page: "phone")
            _ = try await phone.join()
            laptop.click(callback, page: "laptop", m: 1)
            let onLaptop = try await laptop.update(), onPhone = try await phone.update()
            #expect(onLaptop.text == "clicked 1" && onPhone.text == "clicked 1")
            #expect(onLaptop.n == onPhone.n)
            phone.click(callback, page: "phone", m: 1)
            #expect(try await laptop.update().text == "clicked 2")
            #expect(try await phone.update().text == "clicked 2")
            await laptop.close()
            await phone.close()
        }
    }

    @Test func aPageThatReconnectsGetsWhatItMissedWithoutARender() async throws {
        let (app, _, session) = try await GizmoApplicationTests().makeApp(grace: 60)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let phone = TestPage(port: port, session: session.id)
            phone.hello(page: "phone")
            let (_, callback) = try await phone.join()
            let laptop = TestPage(port: port, session: session.id)
            laptop.hello(page: "laptop")
            _ = try await laptop.join()
            laptop.click(callback, page: "laptop", m: 1)
            let seen = try #require(try await laptop.update().n)
            _ = try await phone.update()
            await laptop.close() // the laptop's socket drops
            phone.click(callback, page: "phone", m: 1)
            let missed = try await phone.update()
            let back = TestPage(port: port, session: session.id)
            back.hello(page: "laptop", n: seen)
            let welcome = try await back.frame()
            #expect(welcome.count == 1, "a resume carries no render")
            #expect(welcome.first?["resume"] as? Bool == true)
            #expect(welcome.first?["acked"] as? Int == 1)
            let replayed = try await back.update()
            #expect(replayed.n == missed.n && replayed.text == "clicked 2")
            await back.close()
            await phone.close()
        }
    }

    @Test func aMessageSentAgainAfterAReconnectRunsOnce() async throws {
        let (app, _, session) = try await GizmoApplicationTests().makeApp(grace: 60)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let first = TestPage(port: port, session: session.id)
            first.hello(page: "tab")
            let callback = try await first.join().callback
            first.click(callback, page: "tab", m: 1)
            #expect(try await first.update().text == "clicked 1")
            await first.close()
            let again = TestPage(port: port, session: session.id)
            again.hello(page: "tab")
            let welcome = try await again.frame()
            #expect(welcome.first?["acked"] as? Int == 1)
            // The page cannot know whether message 1 arrived: it may send it again.
            again.click(callback, page: "tab", m: 1)
            again.click(callback, page: "tab", m: 2)
            #expect(try await again.update().text == "clicked 2")
            await again.close()
        }
    }
}

/// The frames kept for pages that reconnect.
struct FrameHistoryTests {
    @Test func aPageResumesFromAnyFrameStillKept() {
        var history = FrameHistory()
        #expect(history.frames(after: 0) == [])
        for n in 1...3 { history.append(n, "f\(n)") }
        #expect(history.frames(after: 1) == ["f2", "f3"])
        #expect(history.frames(after: 3) == [])
        #expect(history.frames(after: 4) == nil) // from the future
    }

    @Test func framesPastTheBoundsAreForgotten() {
        var history = FrameHistory()
        for n in 1...(FrameHistory.maxFrames + 10) { history.append(n, "x") }
        #expect(history.frames(after: 5) == nil)
        #expect(history.frames(after: 10)?.count == FrameHistory.maxFrames)
        var bytes = FrameHistory()
        let big = String(repeating: "y", count: FrameHistory.maxBytes / 8)
        for n in 1...20 { bytes.append(n, big) }
        #expect(bytes.frames(after: 1) == nil)
        #expect(bytes.byteCount <= FrameHistory.maxBytes)
        #expect(bytes.frames(after: 19) == [big])
    }

    @Test func aSkippedFrameIsNotKeptAndNothingBeforeItResumes() {
        var history = FrameHistory()
        history.skip(1)
        history.skip(2)
        #expect(history.byteCount == 0)
        #expect(history.last == 2)
        #expect(history.frames(after: 0) == nil) // it would need frames 1 and 2
        #expect(history.frames(after: 2) == [])
        history.append(3, "c")
        #expect(history.frames(after: 2) == ["c"])
    }

    @Test func aFrameTooLargeToKeepStartsTheHistoryAgain() {
        var history = FrameHistory()
        history.append(1, "a")
        history.append(2, String(repeating: "z", count: FrameHistory.maxBytes))
        history.append(3, "c")
        #expect(history.frames(after: 1) == nil) // frame 2 is not kept
        #expect(history.frames(after: 2) == ["c"])
    }
}
