import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A folder as the file system knows it (device and inode), whatever path,
/// through whatever links, leads to it: how a walk that follows links to
/// folders knows it has been there before.
public struct FolderID: Hashable, Sendable {
    public var device: UInt64
    public var inode: UInt64

    /// nil when `path` is not a folder (or a link to one).
    public init?(_ path: String) {
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else { return nil }
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
    }
}
