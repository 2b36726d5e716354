import Foundation
import GizmoGrants
#if canImport(Glibc)
import Glibc
#endif

/// Which files a script may read or follow (`gz.read_file`, `gz.stat`,
/// `gz.tail`): those in its own folder and its module's data folder, and
/// those `--allow-read` grants.
///
/// A path is judged where it lies once `.` , `..` and symbolic links are
/// resolved; a file that does not exist (yet) is judged by where its folder
/// lies, so a refusal never depends on whether a file outside the grants
/// exists. Files are opened through ``ConfinedFile``, which judges again
/// what it opened.
struct ReadableFiles {
    /// The script's folder: relative paths start here.
    let scriptFolder: URL
    let dataFolder: URL
    let grants: Grants

    /// `path` as an absolute, standardized path (relative to the script's folder).
    func absolute(_ path: String) -> String {
        (path.hasPrefix("/") ? URL(fileURLWithPath: path)
            : scriptFolder.appendingPathComponent(path)).standardizedFileURL.path
    }

    /// Where `absolute` lies with every link resolved; for a missing file,
    /// its resolved folder and its name; nil when its folder is missing too.
    static func location(_ absolute: String) -> String? {
        if let resolved = ConfinedFile.realPath(absolute) { return resolved }
        let url = URL(fileURLWithPath: absolute)
        guard let folder = ConfinedFile.realPath(url.deletingLastPathComponent().path) else { return nil }
        return folder == "/" ? "/" + url.lastPathComponent : folder + "/" + url.lastPathComponent
    }

    /// Whether `location` (resolved) lies in the script's folder or the data folder.
    func isOwn(_ location: String) -> Bool {
        let roots = [scriptFolder, dataFolder].compactMap { ConfinedFile.realPath($0.path) }
        return roots.contains { location == $0 } || ConfinedFile.isInside(location, roots)
    }

    /// Whether a resolved path may be read: the script's own, or granted.
    func allows(_ location: String) -> Bool {
        isOwn(location) || grants.refusalToRead(location, api: "") == nil
    }

    /// nil when the script may read `absolute`, else the refusal naming
    /// `--allow-read` (raised by `gz.tail` and `gz.stat`).
    func refusal(_ absolute: String, api: String) -> String? {
        let location = Self.location(absolute) ?? absolute
        if isOwn(location) { return nil }
        return grants.refusalToRead(location, api: api)
    }

    /// Opens the regular file at `absolute` if the script may read it.
    func open(_ absolute: String) throws(ConfinedFile.Refusal) -> ConfinedFile {
        try ConfinedFile.open(absolute) { allows($0) }
    }

    /// What `gz.stat` answers.
    struct Status: Equatable {
        var size: Int
        /// Seconds since 1970, with the file system's fraction.
        var modified: Double
        /// "file", "folder" or "other".
        var kind: String
    }

    /// The status of what is at `absolute` (links followed), nil when nothing is.
    func status(_ absolute: String) -> Result<Status?, ConfinedFile.Refusal> {
        guard let location = Self.location(absolute) else { return .success(nil) }
        guard allows(location) else { return .failure(.outside) }
        var status = stat()
        guard stat(location, &status) == 0 else {
            return errno == ENOENT || errno == ENOTDIR ? .success(nil)
                : .failure(.unreadable(String(cString: strerror(errno))))
        }
        let kind = switch status.st_mode & S_IFMT {
        case S_IFREG: "file"
        case S_IFDIR: "folder"
        default: "other"
        }
        let modified = Double(status.st_mtim.tv_sec) + Double(status.st_mtim.tv_nsec) / 1e9
        return .success(Status(size: Int(status.st_size), modified: modified, kind: kind))
    }
}
