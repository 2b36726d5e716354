/// The last frames a session sent to its pages, by number, so that a page
/// whose socket dropped can resume from the last frame it applied instead of
/// being rendered again.
///
/// Bounded by count and bytes: a page that has been away longer than the
/// history reaches back gets a full render. A frame larger than a quarter of
/// the byte bound is not kept (the history restarts after it).
struct FrameHistory: Sendable {
    static let maxFrames = 256
    static let maxBytes = 1 << 20

    private var frames: [(number: Int, text: String)] = []
    private var start = 0 // index of the oldest kept frame in `frames`
    private var bytes = 0
    /// The number of the last frame sent (kept or not).
    private(set) var last = 0
    /// The first frame number the history holds from, on: a page that
    /// applied frame `firstKept - 1` or later can resume.
    private var firstKept = 1

    /// Records frame number `number`, the next after ``last``.
    mutating func append(_ number: Int, _ text: String) {
        let size = text.utf8.count
        if size > Self.maxBytes / 4 { return skip(number) }
        last = number
        frames.append((number, text))
        bytes += size
        while frames.count - start > Self.maxFrames || bytes > Self.maxBytes {
            bytes -= frames[start].text.utf8.count
            firstKept = frames[start].number + 1
            start += 1
        }
        if start > 64 && start * 2 > frames.count { // compact now and then
            frames.removeFirst(start)
            start = 0
        }
    }

    /// Records that frame `number` went out without being kept: no page
    /// can resume from before it (none had joined yet, or the frame was too
    /// large to keep), so the history starts again after it.
    mutating func skip(_ number: Int) {
        last = number
        frames = []
        start = 0
        bytes = 0
        firstKept = number + 1
    }

    /// The frames after `number`, in order; nil when some of them are no
    /// longer kept (or `number` is from the future).
    func frames(after number: Int) -> [String]? {
        guard number <= last, number + 1 >= firstKept else { return nil }
        if number == last { return [] }
        return frames[start...].filter { $0.number > number }.map(\.text)
    }

    /// Bytes held.
    var byteCount: Int { bytes }
}
