import Foundation
import Logging
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
/// deletes arrives as one set (``ChangeBurst``). New folders are watched as
/// they appear; hidden ones (`.git`) are not. Links to folders are followed,
/// but each folder is watched once, known by its device and inode, so a
/// symlink loop ends (with a line in the log) instead of being walked until
/// paths grow too long.
public final class FileWatcher: @unchecked Sendable {
    /// Paths (standardized, absolute) created, written, renamed, deleted or
    /// changed in permissions, one set per burst.
    public let changes: AsyncStream<Set<String>>

    private let continuation: AsyncStream<Set<String>>.Continuation
    private let fd: Int32
    private let queue = DispatchQueue(label: "gizmo.watcher")
    private let source: DispatchSourceRead
    private let logger: Logger
    // Only touched on `queue`:
    private var folders: [Int32: Folder] = [:]
    private var watched: [FolderID: String] = [:]
    private var burst: ChangeBurst

    private struct Folder {
        var path: String
        var id: FolderID?
    }

    static let maxFolders = 8192
    private static let savesMask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE
        | IN_DELETE_SELF | IN_MOVE_SELF | IN_ATTRIB | IN_ONLYDIR)
    private let mask: UInt32

    /// - Parameters:
    ///   - quiet: how long the tree must be quiet before a burst is reported
    ///     (hot reload: 25 ms; following a log: 0, each read of events is a burst).
    ///   - longest: the longest a burst gathers events.
    ///   - writes: also report each write to a file, not only its close
    ///     (a log's writer never closes it: `gz.tail`).
    /// - Throws: ``WatchError`` when the kernel refuses an inotify instance.
    public init(quiet: Duration = .milliseconds(25), longest: Duration = .milliseconds(250), writes: Bool = false,
                logger: Logger = Logger(label: "gizmolua.watcher")) throws(WatchError) {
        let fd = inotify_init1(Int32(IN_NONBLOCK) | Int32(IN_CLOEXEC))
        guard fd >= 0 else { throw WatchError(message: "inotify: \(String(cString: strerror(errno)))") }
        self.fd = fd
        self.logger = logger
        mask = Self.savesMask | (writes ? UInt32(IN_MODIFY) : 0)
        burst = ChangeBurst(quiet: Self.nanoseconds(quiet), longest: Self.nanoseconds(longest))
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
            if let id = FolderID(path), isWatched(id) { return nil }
            guard folders.count < Self.maxFolders else { return WatchError(message: "cannot watch \(path): too many folders") }
            guard addWatch(path, id: FolderID(path)) else {
                return WatchError(message: "cannot watch \(path): \(String(cString: strerror(errno)))")
            }
            return nil
        }
        if let result { throw result }
    }

    /// Stops watching `folder` (as it was given to ``watch(folder:)``); a
    /// folder not watched is left alone.
    public func unwatch(folder: URL) {
        let path = folder.standardizedFileURL.path
        queue.sync {
            guard let (wd, watchedFolder) = folders.first(where: { $0.value.path == path }) else { return }
            inotify_rm_watch(fd, wd)
            // The kernel's IN_IGNORED follows; forget the folder now, so a
            // new watch of it is not taken for this one.
            folders[wd] = nil
            if let id = watchedFolder.id, watched[id] == path { watched[id] = nil }
        }
    }

    /// How many folders are watched.
    public var folderCount: Int { queue.sync { folders.count } }

    /// Stops watching; `changes` ends.
    public func stop() {
        source.cancel() // closes the inotify descriptor once no handler runs
        continuation.finish()
    }

    /// Adds a watch on `path` and the folders under it, each folder once;
    /// false when `path` itself cannot be watched. The files found on the
    /// way go to `found`, when given.
    @discardableResult
    private func addTree(_ path: String, found: ((String) -> Void)? = nil) -> Bool {
        var stack = [path]
        var isTop = true
        while let folder = stack.popLast() {
            defer { isTop = false }
            let id = FolderID(folder)
            if let id, isWatched(id), let first = watched[id] {
                if first != folder {
                    logger.warning("hot reload: \(LogText.escaped(folder)) is not watched: it is \(LogText.escaped(first)) again (a symlink loop, or a second link to one folder)")
                }
                continue
            }
            guard folders.count < Self.maxFolders, addWatch(folder, id: id) else {
                if isTop { return false }
                continue
            }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            for name in names.sorted().reversed() where !name.hasPrefix(".") {
                let child = folder == "/" ? "/\(name)" : "\(folder)/\(name)"
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: child, isDirectory: &isDirectory) else { continue }
                if isDirectory.boolValue {
                    stack.append(child)
                } else {
                    found?(child)
                }
            }
        }
        return true
    }

    /// Whether the folder `id` names is watched already. A folder deleted
    /// since it was watched may not have been forgotten yet (its IN_IGNORED
    /// not yet read), and the file system gives its inode number to the
    /// next folder made: that one is new, and must be watched.
    private func isWatched(_ id: FolderID) -> Bool {
        guard let path = watched[id] else { return false }
        return FolderID(path) == id
    }

    private func addWatch(_ path: String, id: FolderID?) -> Bool {
        let wd = inotify_add_watch(fd, path, mask)
        guard wd >= 0 else { return false }
        // The kernel gives one watch per inode: a second path to it replaces the first.
        if let old = folders[wd], let oldID = old.id { watched[oldID] = nil }
        folders[wd] = Folder(path: path, id: id)
        if let id { watched[id] = path }
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
            burst.changed(folders.values.map(\.path)) // events were lost: everything may have changed
            return
        }
        guard let folder = folders[wd] else { return }
        if mask & UInt32(IN_IGNORED) != 0 {
            // The folder is gone (or unwatched); its inode may come back as another folder.
            if let id = folder.id, watched[id] == folder.path { watched[id] = nil }
            folders[wd] = nil
            return
        }
        guard !name.isEmpty else {
            burst.changed(folder.path) // the folder itself was deleted or moved
            return
        }
        let path = folder.path == "/" ? "/\(name)" : "\(folder.path)/\(name)"
        burst.changed(path)
        if mask & UInt32(IN_ISDIR) != 0, mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0, !name.hasPrefix(".") {
            // Files made in it before the watch existed count as new too.
            addTree(path) { self.burst.changed($0) }
        }
    }

    private func scheduleFlush() {
        guard let check = burst.eventsRead(now: DispatchTime.now().uptimeNanoseconds) else { return }
        queue.asyncAfter(deadline: DispatchTime(uptimeNanoseconds: check.at)) { [weak self] in
            guard let self, let changes = burst.due(check.generation, now: DispatchTime.now().uptimeNanoseconds) else { return }
            continuation.yield(changes)
        }
    }

    private static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
    }
}

/// A folder that cannot be watched.
public struct WatchError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}
