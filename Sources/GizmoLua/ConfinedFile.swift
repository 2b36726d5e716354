import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A regular file open for reading, opened only when it lies inside one of
/// some folders at the moment it is opened.
///
/// A check made when a name was registered, or just before an `open`, can be
/// undone by a symlink swapped in between. So the path is resolved
/// (`realpath`) and checked, the resolved path is opened without following
/// a final symlink, and the file that was opened is asked where it is
/// (`/proc/self/fd`): only a file inside a folder is ever read. The
/// descriptor is closed when the value goes.
public final class ConfinedFile: @unchecked Sendable {  // read only with pread: no shared offset
    /// Why a file was not opened.
    public enum Refusal: Error, Equatable, Sendable {
        case missing
        /// It lies outside the folders (or became a symlink while it was opened).
        case outside
        /// A folder, a FIFO, a device: only regular files are read.
        case notAFile
        case unreadable(String)
    }

    public let descriptor: Int32
    /// Bytes, when it was opened.
    public let size: Int
    /// Which file it is (a follower knows a file renamed away by these).
    public let device: UInt64
    public let inode: UInt64

    private init(descriptor: Int32, size: Int, device: UInt64, inode: UInt64) {
        self.descriptor = descriptor
        self.size = size
        self.device = device
        self.inode = inode
    }

    /// Bytes in the file now (it may have grown or been truncated since it was opened).
    public var currentSize: Int? {
        var status = stat()
        return fstat(descriptor, &status) == 0 ? Int(status.st_size) : nil
    }

    deinit { close(descriptor) }

    /// Opens `path` when it lies, resolved, inside one of `folders`.
    /// - Parameter resolved: the folders are already resolved, as they were
    ///   when a file was registered: resolving them again would follow a
    ///   folder swapped for a link since.
    public static func open(_ path: String, inside folders: [URL], resolved foldersResolved: Bool = false) throws(Refusal) -> ConfinedFile {
        let roots = foldersResolved ? folders.map(\.path) : folders.compactMap { realPath($0.path) }
        return try open(path) { isInside($0, roots) }
    }

    /// Opens `path` when `allowed` accepts where it lies, resolved (and,
    /// once open, where the kernel says it is).
    public static func open(_ path: String, allowed: (String) -> Bool) throws(Refusal) -> ConfinedFile {
        guard let resolved = realPath(path) else {
            throw errno == ENOENT || errno == ENOTDIR ? .missing : .unreadable(String(cString: strerror(errno)))
        }
        guard allowed(resolved) else { throw .outside }
        // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below).
        let fd = Glibc.open(resolved, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else {
            switch errno {
            case ELOOP: throw .outside  // swapped for a symlink since it was resolved
            case ENOENT, ENOTDIR: throw .missing
            default: throw .unreadable(String(cString: strerror(errno)))
            }
        }
        var keep = false
        defer { if !keep { close(fd) } }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw .unreadable(String(cString: strerror(errno))) }
        guard status.st_mode & S_IFMT == S_IFREG else { throw .notAFile }
        // A folder on the way may have been swapped between realpath and open.
        if let opened = openedPath(fd), !allowed(opened) { throw .outside }
        keep = true
        return ConfinedFile(descriptor: fd, size: Int(status.st_size), device: UInt64(status.st_dev),
                            inode: UInt64(status.st_ino))
    }

    /// Reads up to `count` bytes at `offset`; fewer only at the end of the file.
    public func read(at offset: Int, count: Int) throws(Refusal) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = bytes.withUnsafeMutableBytes { buffer in
                pread(descriptor, buffer.baseAddress! + filled, count - filled, off_t(offset + filled))
            }
            if got < 0, errno == EINTR { continue }
            guard got >= 0 else { throw .unreadable(String(cString: strerror(errno))) }
            if got == 0 { break }
            filled += got
        }
        bytes.removeLast(count - filled)
        return bytes
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Where the file open on `fd` is, as the kernel knows it; nil without /proc.
    static func openedPath(_ fd: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/fd/\(fd)", &buffer, Int(PATH_MAX))
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func isInside(_ path: String, _ roots: [String]) -> Bool {
        roots.contains { root in root == "/" || path.hasPrefix(root + "/") }
    }
}
