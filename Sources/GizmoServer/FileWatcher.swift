import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Watches folder trees with inotify and reports changed files, a burst of
/// changes at a time.
///
/// Folders are watched, not files, so an editor that saves by writing a
/// temporary file and renaming it over the original (vim, VS Code,
/// JetBrains) is seen as one change of the original's path. Events are
/// gathered until the tree has been quiet for `quiet` (or `longest` has
/// passed since the first), so a save that is several writes, renames and
/// deletes arrives as one set. New folders are watched as they appear;
/// hidden ones (`.git`) are not.
public final class FileWatcher: @unchecked Sendable {
    /// Paths (standardized, absolute) created, written, renamed, deleted or
    /// changed in permissions, one set per burst.
    public let changes: AsyncStream<Set<String>>

    private let continuation: AsyncStream<Set<String>>.Continuation
    private let fd: Int32
    private let queue = DispatchQueue(label: "gizmo.watcher")
    private let quiet: DispatchTimeInterval
    private let longest: DispatchTimeInterval
    private let source: DispatchSourceRead
    // Only touched on `queue`:
    private var folders: [Int32: String] = [:]
    private var pending: Set<String> = []
    private var burstStarted: DispatchTime?
    private var generation = 0

    static let maxFolders = 8192
    private static let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE
        | IN_DELETE_SELF | IN_MOVE_SELF | IN_ATTRIB | IN_ONLYDIR)

    /// - Throws: ``WatchError`` when the kernel refuses an inotify instance.
    public init(quiet: DispatchTimeInterval = .milliseconds(25), longest: DispatchTimeInterval = .milliseconds(250)) throws(WatchError) {
        let fd = inotify_init1(Int32(IN_NONBLOCK) | Int32(IN_CLOEXEC))
        guard fd >= 0 else { throw WatchError(message: "inotify: \(String(cString: strerror(errno)))") }
        self.fd = fd
        self.quiet = quiet
        self.longest = longest
        (changes, continuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
        source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [weak self] in self?.readEvents() }
        source.setCancelHandler { close(fd) }
        source.resume()
    }

    deinit { stop() }

    /// Watches `folder` and every folder under it.
    /// - Throws: ``WatchError`` when the folder cannot be watched.
    public func watch(tree folder: URL) throws(WatchError) {
        let path = folder.standardizedFileURL.path
        let result: WatchError? = queue.sync {
            guard addTree(path) else { return WatchError(message: "cannot watch \(path): \(String(cString: strerror(errno)))") }
            return nil
        }
        if let result { throw result }
    }

    /// Watches `folder` itself, not the folders under it; watching a folder
    /// twice is once.
    /// - Throws: ``WatchError`` when the folder cannot be watched.
    public func watch(folder: URL) throws(WatchError) {
        let path = folder.standardizedFileURL.path
        let result: WatchError? = queue.sync {
            guard !folders.values.contains(path) else { return nil }
            guard folders.count < Self.maxFolders else { return WatchError(message: "cannot watch \(path): too many folders") }
            let wd = inotify_add_watch(fd, path, Self.mask)
            guard wd >= 0 else { return WatchError(message: "cannot watch \(path): \(String(cString: strerror(errno)))") }
            folders[wd] = path
            return nil
        }
        if let result { throw result }
    }

    /// Stops watching; `changes` ends.
    public func stop() {
        source.cancel() // closes the inotify descriptor once no handler runs
        continuation.finish()
    }

    /// Adds a watch on `path` and the folders under it; false when `path`
    /// itself cannot be watched.
    @discardableResult
    private func addTree(_ path: String) -> Bool {
        guard folders.count < Self.maxFolders else { return false }
        let wd = inotify_add_watch(fd, path, Self.mask)
        guard wd >= 0 else { return false }
        folders[wd] = path
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        for name in names where !name.hasPrefix(".") {
            let child = path == "/" ? "/\(name)" : "\(path)/\(name)"
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: child, isDirectory: &isDirectory), isDirectory.boolValue {
                addTree(child)
            }
        }
        return true
    }

    private func readEvents() {
        let size = 64 * 1024
        var buffer = [UInt8](repeating: 0, count: size)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, size) }
            guard count > 0 else { break }
            var offset = 0
            while offset + MemoryLayout<inotify_event>.size <= count {
                let (wd, mask, length) = buffer.withUnsafeBytes { raw -> (Int32, UInt32, Int) in
                    let event = raw.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                    return (event.wd, event.mask, Int(event.len))
                }
                let nameStart = offset + MemoryLayout<inotify_event>.size
                let nameBytes = buffer[nameStart..<min(nameStart + length, count)].prefix { $0 != 0 }
                handle(wd: wd, mask: mask, name: String(decoding: nameBytes, as: UTF8.self))
                offset = nameStart + length
            }
        }
        scheduleFlush()
    }

    private func handle(wd: Int32, mask: UInt32, name: String) {
        if mask & UInt32(IN_Q_OVERFLOW) != 0 {
            pending.formUnion(folders.values) // events were lost: everything may have changed
            return
        }
        guard let folder = folders[wd] else { return }
        if mask & UInt32(IN_IGNORED) != 0 {
            folders[wd] = nil // the folder is gone (or unwatched)
            return
        }
        guard !name.isEmpty else {
            pending.insert(folder) // the folder itself was deleted or moved
            return
        }
        let path = folder == "/" ? "/\(name)" : "\(folder)/\(name)"
        pending.insert(path)
        if mask & UInt32(IN_ISDIR) != 0, mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0, !name.hasPrefix(".") {
            addTree(path)
            // Files made in it before the watch existed count as new too.
            if let enumerator = FileManager.default.enumerator(atPath: path) {
                for case let file as String in enumerator { pending.insert("\(path)/\(file)") }
            }
        }
    }

    private func scheduleFlush() {
        guard !pending.isEmpty else { return }
        let now = DispatchTime.now()
        if burstStarted == nil { burstStarted = now }
        generation += 1
        let expected = generation
        let latest = burstStarted! + longest
        let due = min(now + quiet, latest)
        queue.asyncAfter(deadline: due) { [weak self] in
            guard let self, self.generation == expected || DispatchTime.now() >= latest else { return }
            self.flush()
        }
    }

    private func flush() {
        guard !pending.isEmpty else { return }
        let batch = pending
        pending = []
        burstStarted = nil
        continuation.yield(batch)
    }
}

/// A folder that cannot be watched.
public struct WatchError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}
