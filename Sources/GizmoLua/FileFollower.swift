import Foundation
import GizmoProcess
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One `gz.tail`: follows the file at a path as `tail -F` does, turning what
/// is appended into lines that wait in its mailbox until the Lua state takes
/// them.
///
/// It reads only when woken (``TailWatch`` saw the name change, or the state
/// took lines and made room), on a serial queue of its own, and never more
/// than ``readAhead`` bytes ahead of what the state has taken: a huge file
/// read from its start, or a state too busy to keep up, slows the reading,
/// never fills memory. It follows the name, not the file: a file that does
/// not exist yet is read from its start when it appears; one truncated is
/// read again from 0; one renamed away is read to its end, then the new file
/// of that name from its start.
final class FileFollower: @unchecked Sendable {  // `file`, `offset`, `splitter` are touched only on `queue`
    /// The followed name: its folder resolved, the name itself as given.
    let path: String
    /// The folder `path` is in (what the watcher watches).
    let folder: String

    /// Bytes read and not yet taken by the state, at most (lines and the line not yet ended).
    static let readAhead = 256 << 10
    /// Lines waiting, at most (a file of empty lines is many lines for few bytes).
    static let maxLines = 16384
    /// Bytes read at a time.
    static let chunk = 64 << 10

    private let readable: ReadableFiles
    private let logger: Logger
    private let arrived: @Sendable () -> Void
    private let queue = DispatchQueue(label: "gizmo.tail", target: .global())
    private var file: ConfinedFile?
    private var offset = 0
    private var splitter = LineSplitter()
    private let cancelled = Atomic<Bool>(false)
    private let pumpQueued = Atomic<Bool>(false)
    private let mailbox = Mutex<Mailbox>(Mailbox())

    private struct Mailbox {
        var lines: [String] = []
        /// Bytes of the lines waiting (each with its end of line).
        var bytes = 0
        /// The most bytes ever waiting, with the line not yet ended (tests).
        var highWater = 0
        /// The reader stopped for want of room: a take wakes it.
        var stalled = false
    }

    /// - Parameters:
    ///   - arrived: called (from the follower's queue) when lines have come.
    init(path: String, folder: String, readable: ReadableFiles, logger: Logger, arrived: @escaping @Sendable () -> Void) {
        self.path = path
        self.folder = folder
        self.readable = readable
        self.logger = logger
        self.arrived = arrived
    }

    /// Opens the file if it exists (nil when it does not yet), reading from
    /// its start or its end; before it is woken, so the refusals reach the caller.
    func open(fromStart: Bool) throws(ConfinedFile.Refusal) {
        do throws(ConfinedFile.Refusal) {
            let opened = try readable.open(path)
            queue.sync {
                file = opened
                offset = fromStart ? 0 : (opened.currentSize ?? opened.size)
            }
        } catch .missing {
            return
        }
    }

    /// Something happened to the name, or room was made: read what there is.
    func wake() {
        guard !cancelled.load(ordering: .relaxed), !pumpQueued.exchange(true, ordering: .acquiringAndReleasing) else { return }
        queue.async { [self] in
            pumpQueued.store(false, ordering: .releasing)
            pump()
        }
    }

    /// Stops following; the file is closed.
    func cancel() {
        cancelled.store(true, ordering: .relaxed)
        queue.async { [self] in file = nil }
        mailbox.withLock { $0 = Mailbox() }
    }

    /// Up to `maxLines` waiting lines and about `maxBytes` of them (at least
    /// one line when any waits); taking makes room, so a stalled reader goes on.
    func take(maxBytes: Int, maxLines: Int) -> [String] {
        let (lines, resume) = mailbox.withLock { box -> ([String], Bool) in
            var count = 0
            var bytes = 0
            while count < min(maxLines, box.lines.count), count == 0 || bytes + box.lines[count].utf8.count < maxBytes {
                bytes += box.lines[count].utf8.count + 1
                count += 1
            }
            guard count > 0 else { return ([], false) }
            let taken = Array(box.lines[..<count])
            box.lines.removeFirst(count)
            box.bytes -= bytes
            defer { box.stalled = false }
            return (taken, box.stalled)
        }
        if resume { wake() }
        return lines
    }

    var hasLines: Bool { mailbox.withLock { !$0.lines.isEmpty } }

    /// The most bytes that ever waited (tests: never past ``readAhead``).
    var highWater: Int { mailbox.withLock { $0.highWater } }

    // MARK: On the queue

    private func pump() {
        guard !cancelled.load(ordering: .relaxed) else { return }
        var appended = false
        while !cancelled.load(ordering: .relaxed) {
            if file == nil {
                guard openAnew() else { break }
            }
            guard let file, let size = file.currentSize else { break }
            let room = self.room()
            guard room > 0 else { break }
            if size < offset {
                // Truncated (`> log`, copytruncate): read again from the start.
                appended = deliver(splitter.finish(droppingReturn: true).map { [$0] } ?? []) || appended
                offset = 0
            }
            if offset < size {
                guard let bytes = try? file.read(at: offset, count: min(room, Self.chunk, size - offset)),
                      !bytes.isEmpty else { break }
                offset += bytes.count
                appended = deliver(splitter.split(bytes)) || appended
                continue
            }
            // All of this file is read: if its name is another file's now
            // (rotated by rename), that one is next, from its start.
            guard isRenamedAway(file) else { break }
            appended = deliver(splitter.finish(droppingReturn: true).map { [$0] } ?? []) || appended
            self.file = nil
            offset = 0
        }
        if appended { arrived() }
    }

    /// Opens the file now at `path`, from its start; false when there is none
    /// (or it may not be read: it became a link out of the grants, a FIFO).
    private func openAnew() -> Bool {
        do throws(ConfinedFile.Refusal) {
            file = try readable.open(path)
            offset = 0
            return true
        } catch .missing {
            return false
        } catch {
            logger.warning("gz.tail: \(LogText.escaped(path)) cannot be followed: \(error)")
            return false
        }
    }

    private func isRenamedAway(_ file: ConfinedFile) -> Bool {
        var status = stat()
        // Gone (renamed, deleted) and not yet replaced: the old file may still grow.
        guard stat(path, &status) == 0 else { return false }
        return UInt64(status.st_dev) != file.device || UInt64(status.st_ino) != file.inode
    }

    /// Bytes that may still be read; marks the reader stalled when none.
    private func room() -> Int {
        let partial = splitter.pendingBytes
        return mailbox.withLock { box in
            let room = box.lines.count >= Self.maxLines ? 0 : Self.readAhead - box.bytes - partial
            if room <= 0 { box.stalled = true }
            return room
        }
    }

    /// Adds lines to the mailbox; whether there were any.
    private func deliver(_ lines: [String]) -> Bool {
        let partial = splitter.pendingBytes
        mailbox.withLock { box in
            box.lines += lines
            box.bytes += lines.reduce(0) { $0 + $1.utf8.count + 1 }
            box.highWater = max(box.highWater, box.bytes + partial)
        }
        return !lines.isEmpty
    }
}
