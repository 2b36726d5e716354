import Foundation

extension URL {
    /// Whether this path, with `..` and symbolic links resolved, lies inside
    /// `folder`: the one check behind every file a script may load, serve,
    /// read or write.
    func isInside(_ folder: URL) -> Bool {
        let base = folder.standardizedFileURL.resolvingSymlinksInPath().path
        return standardizedFileURL.resolvingSymlinksInPath().path.hasPrefix(base + "/")
    }
}
