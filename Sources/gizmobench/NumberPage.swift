import Foundation
import NIOCore
import NIOPosix

/// A page that notes, for each frame it receives, the number its gizmo shows
/// after `prefix` ("tick 41"), with when the frame arrived: the watching pages
/// and the driver of the fan-out row. It lives on its connection's event loop
/// (``EventLoopPage/connect(port:session:handler:)``), so the time is taken
/// where the frame is read, with no task woken first, as a browser's page
/// thread sees it.
enum NumberPage {
    /// A number the page was shown, and when the frame carrying it arrived.
    struct Sighting: Sendable {
        var number: Int
        var at: ContinuousClock.Instant
    }

    /// Connects to session `id`, says hello and waits for the render.
    static func open(port: Int, session id: String, prefix: String) async throws -> Connection {
        let rendered = MultiThreadedEventLoopGroup.singleton.any().makePromise(of: String.self)
        let handler = NumberHandler(prefix: prefix, rendered: rendered)
        let channel = try await EventLoopPage.connect(port: port, session: id, handler: handler)
        do {
            return Connection(channel: channel, handler: handler, render: try await rendered.futureResult.get())
        } catch {
            try? await channel.close()
            throw error
        }
    }

    struct Connection: Sendable {
        let channel: any Channel
        fileprivate let handler: NumberHandler
        /// The first frame: the welcome and the render.
        let render: String

        /// Sends a click of callback `callback` carrying `{"n": number}`;
        /// returns when it was written, taken on the event loop just before.
        func click(_ callback: Int, number: Int) async throws -> ContinuousClock.Instant {
            let handler = handler
            return try await channel.eventLoop.submit {
                handler.send(#"{"t":"call","cb":\#(callback),"args":[{"type":"click","n":\#(number)}]}"#)
            }.get()
        }

        /// Every number shown so far (increasing: an older one arriving after
        /// a newer is not noted), with when it arrived, and whether the
        /// socket has gone (a page that lost it sees nothing new, and must
        /// not pass for one that was told nothing new).
        func seen() async throws -> Seen {
            let handler = handler
            return try await channel.eventLoop.submit { handler.seen }.get()
        }

        func close() async {
            try? await channel.close()
        }
    }

    struct Seen: Sendable {
        var sightings: [Sighting]
        /// Why the socket ended, when it did before the bench closed it.
        var lost: String?
    }
}

/// Lives on its channel's event loop (NIO calls it there; the connection's
/// methods are handed there with `submit`).
private final class NumberHandler: PageFrameHandler, @unchecked Sendable {
    private let prefix: [UInt8]
    private let rendered: EventLoopPromise<String>
    private var renderedDone = false
    private var sightings: [NumberPage.Sighting] = []
    private var lost: String?

    init(prefix: String, rendered: EventLoopPromise<String>) {
        self.prefix = Array(prefix.utf8)
        self.rendered = rendered
        sightings.reserveCapacity(512)
    }

    var seen: NumberPage.Seen { NumberPage.Seen(sightings: sightings, lost: lost) }

    override func received(_ text: String) {
        note(text, at: ContinuousClock.now)
        if !renderedDone {
            renderedDone = true
            rendered.succeed(text)
        }
    }

    override func failed(_ error: any Error) {
        if lost == nil { lost = "\(error)" }
        if !renderedDone {
            renderedDone = true
            rendered.fail(error)
        }
    }

    /// The largest number after the prefix in `text`, if newer than the last.
    private func note(_ text: String, at: ContinuousClock.Instant) {
        var newest: Int?
        var bytes = text.utf8[...]
        while let start = bytes.firstRange(of: prefix) {
            var number = 0
            var digits = 0
            var index = start.upperBound
            while index < bytes.endIndex, let digit = bytes[index].asciiDigit, digits < 18 {
                number = number * 10 + digit
                digits += 1
                index = bytes.index(after: index)
            }
            if digits > 0 { newest = max(newest ?? number, number) }
            bytes = bytes[index...]
        }
        guard let newest, newest > (sightings.last?.number ?? .min) else { return }
        sightings.append(NumberPage.Sighting(number: newest, at: at))
    }
}

private extension UInt8 {
    var asciiDigit: Int? { (0x30...0x39).contains(self) ? Int(self - 0x30) : nil }
}
