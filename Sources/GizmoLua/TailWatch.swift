import Foundation
import GizmoWatch
import Synchronization

/// The one inotify watcher of every `gz.tail` in the process: it watches
/// the folders of the followed files and wakes the followers of a name that
/// changed. One for all, since the kernel allows a user 128 inotify
/// instances and a server may follow thousands of files.
///
/// It reports each read of events at once (no quiet time: a log's lines
/// should not wait for the log to rest) and sees every write, not only
/// closes (a log's writer keeps it open).
final class TailWatch: Sendable {
    private let watcher: FileWatcher
    private let followers = Mutex<[String: [ObjectIdentifier: FileFollower]]>([:])  // by folder

    /// The process's watcher, made on the first `gz.tail`; nil and why when
    /// the kernel refuses one.
    static let shared: Result<TailWatch, WatchError> = {
        do throws(WatchError) {
            return .success(try TailWatch())
        } catch {
            return .failure(error)
        }
    }()

    private init() throws(WatchError) {
        watcher = try FileWatcher(quiet: .zero, longest: .zero, writes: true)
        let changes = watcher.changes
        Task.detached { [weak self] in
            for await changed in changes {
                guard let self else { return }
                self.wake(changed)
            }
        }
    }

    /// Wakes `follower` whenever something named `follower.path` changes
    /// (its folder, `follower.folder`, must exist: it is what is watched).
    func add(_ follower: FileFollower) throws(WatchError) {
        let folder = follower.folder
        // The watch is added and removed under the lock, so a folder's last
        // follower leaving cannot unwatch it after a new follower came.
        let failure = followers.withLock { followers -> WatchError? in
            if followers[folder] == nil {
                do throws(WatchError) {
                    try watcher.watch(folder: URL(fileURLWithPath: folder))
                } catch {
                    return error
                }
            }
            followers[folder, default: [:]][ObjectIdentifier(follower)] = follower
            return nil
        }
        if let failure { throw failure }
    }

    func remove(_ follower: FileFollower) {
        let folder = follower.folder
        followers.withLock { followers in
            guard followers[folder]?.removeValue(forKey: ObjectIdentifier(follower)) != nil,
                  followers[folder]?.isEmpty == true else { return }
            followers[folder] = nil
            watcher.unwatch(folder: URL(fileURLWithPath: folder))
        }
    }

    /// How many folders are watched for followers (tests).
    var folderCount: Int { followers.withLock { $0.count } }

    private func wake(_ changed: Set<String>) {
        let woken = followers.withLock { followers -> [FileFollower] in
            var woken: [ObjectIdentifier: FileFollower] = [:]
            for path in changed {
                // The followed name itself, or its folder (moved, deleted, or
                // events lost: the watcher then names every folder).
                if let inFolder = followers[path] {
                    woken.merge(inFolder) { first, _ in first }
                }
                let folder = (path as NSString).deletingLastPathComponent
                for (id, follower) in followers[folder] ?? [:] where follower.path == path { woken[id] = follower }
            }
            return Array(woken.values)
        }
        for follower in woken { follower.wake() }
    }
}
