import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// How `gz.write_file` replaces a file so that a kill at any moment leaves
/// the old contents or the new, and nothing else behind for long.
///
/// The new contents go to a temporary file beside the target,
/// `.NAME.gizmo-tmp-PID-RANDOM`, which is synced and renamed over the
/// target, and the folder is synced so the rename lasts. Beside the target,
/// because a rename only replaces atomically within one file system (and
/// Foundation's `.atomic` writes elsewhere). A process killed mid-write
/// leaves its temporary file; the first use of a data folder by a process
/// removes those of processes that no longer run (the PID in the name says
/// whose it is, so a second server sharing the folder keeps its own).
extension DataFolder {
    struct WriteError: Error {
        var message: String
    }

    /// Data folders this process has already cleaned.
    private static let cleaned = Mutex<Set<String>>([])
    static let temporaryMarker = ".gizmo-tmp-"

    /// Replaces `file` with `bytes`; `root` is the folder the temporary file
    /// must be created in, checked once it is open.
    static func replace(_ file: URL, with bytes: [UInt8], inside root: URL) throws(WriteError) {
        let folder = file.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(temporaryName(for: file.lastPathComponent)).path
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o666)
        guard fd >= 0 else { throw failure("cannot create a temporary file beside it") }
        var written = false
        defer {
            close(fd)
            if !written { unlink(temporary) }
        }
        // The folder may have been swapped for a link since it was checked.
        guard URL(fileURLWithPath: ConfinedFile.openedPath(fd) ?? temporary).isInside(root) else {
            throw WriteError(message: "its folder now lies outside the data folder")
        }
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw failure("writing failed") }
            offset += count
        }
        guard fsync(fd) == 0 else { throw failure("writing failed") }
        guard rename(temporary, file.path) == 0 else { throw failure("cannot replace it") }
        written = true
        let folderFD = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folderFD >= 0 {
            fsync(folderFD)
            close(folderFD)
        }
    }

    /// `.NAME.gizmo-tmp-PID-RANDOM`: hidden, named after its target and its process.
    static func temporaryName(for name: String) -> String {
        ".\(name)\(temporaryMarker)\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
    }

    /// The process that wrote a temporary file of ``replace(_:with:inside:)``, from its name.
    static func writer(ofTemporary name: String) -> pid_t? {
        guard name.hasPrefix("."), let marker = name.range(of: temporaryMarker, options: .backwards) else { return nil }
        let parts = name[marker.upperBound...].split(separator: "-")
        guard parts.count == 2, parts[1].allSatisfy(\.isHexDigit), let pid = pid_t(parts[0]), pid > 0 else { return nil }
        return pid
    }

    /// Whether the temporary file `name` was left by a process that is gone
    /// (or by an earlier process that had this one's PID, as in a container).
    static func isStale(_ name: String) -> Bool {
        guard let pid = writer(ofTemporary: name) else { return false }
        if pid == getpid() { return true }  // this process has not written here yet
        return kill(pid, 0) != 0 && errno == ESRCH
    }

    /// Removes the stale temporary files of this data folder, once per process.
    func removeStaleTemporaryFilesOnFirstUse() {
        let root = root.standardizedFileURL.path
        // Held while cleaning: no write of this process starts here meanwhile.
        Self.cleaned.withLock { cleaned in
            guard !cleaned.contains(root) else { return }
            Self.removeStaleTemporaryFiles(in: root, depth: 0)
            cleaned.insert(root)
        }
    }

    /// Walks `folder` and the folders under it, not following links.
    @discardableResult
    static func removeStaleTemporaryFiles(in folder: String, depth: Int) -> Int {
        guard depth < 16, let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return 0 }
        var removed = 0
        for name in names {
            let path = "\(folder)/\(name)"
            var status = stat()
            guard lstat(path, &status) == 0 else { continue }
            switch status.st_mode & S_IFMT {
            case S_IFDIR:
                removed += removeStaleTemporaryFiles(in: path, depth: depth + 1)
            case S_IFREG where isStale(name):
                if unlink(path) == 0 { removed += 1 }
            default:
                break
            }
        }
        return removed
    }

    private static func failure(_ what: String) -> WriteError {
        WriteError(message: "\(what) (\(String(cString: strerror(errno))))")
    }
}
