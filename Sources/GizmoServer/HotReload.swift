import Foundation
import GizmoLua
import Logging
import ServiceLifecycle

/// Hot reload: watches the folders scripts come from and reloads the
/// sessions whose files changed.
///
/// `serve` watches each folder it serves, with every folder under it; `run`
/// watches the script's own folder and the folders of the files the session
/// uses (required modules, served files), added as the session uses them,
/// so running a script in a large folder does not watch the whole tree.
public final class HotReload: Service, Sendable {
    private let watcher: FileWatcher
    private let registry: SessionRegistry
    private let followDependencies: Bool
    private let services: ModuleServices?
    private let logger: Logger

    /// - Parameters:
    ///   - trees: folders to watch with every folder under them.
    ///   - folders: folders to watch without the ones under them.
    ///   - followDependencies: also watch the folders of each session's files.
    ///   - services: the module services to restart (or start) when their files change.
    public init(registry: SessionRegistry, trees: [URL] = [], folders: [URL] = [], followDependencies: Bool,
                services: ModuleServices? = nil, logger: Logger) throws(WatchError) {
        watcher = try FileWatcher(logger: logger)
        self.registry = registry
        self.services = services
        self.followDependencies = followDependencies
        self.logger = logger
        for tree in trees { try watcher.watch(tree: tree) }
        for folder in folders { try watcher.watch(folder: folder) }
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            watchDependencies()
            for await changed in watcher.changes {
                services?.filesChanged(changed)
                let count = registry.reload(changed: changed)
                if count > 0 {
                    logger.debug("files changed: \(LogText.escaped(changed.sorted().joined(separator: ", "))); \(count) session(s) reload")
                }
                watchDependencies()
            }
        } onGracefulShutdown: {
            self.watcher.stop()
        }
    }

    /// Watches the folders of every session's files (for `run`).
    public func watchDependencies() {
        guard followDependencies else { return }
        let folders = Set(registry.allDependencies.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path })
        for folder in folders {
            do {
                try watcher.watch(folder: URL(fileURLWithPath: folder))
            } catch {
                logger.warning("hot reload: \(LogText.escaped(error.message))")
            }
        }
    }
}
