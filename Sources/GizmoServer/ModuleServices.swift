import Foundation
import GizmoLua
import GizmoStore
import Logging
import ServiceLifecycle
import Synchronization

/// The services of every module this server runs: one per module folder that
/// holds an `init.lua`, started with the server (and when a new module
/// appears), restarted when their files change, stopped with the server,
/// after which the stores close.
public final class ModuleServices: Service, Sendable {
    /// Where the modules are: a catalog (`serve`), or one folder (`run`).
    public enum Source: Sendable {
        case catalog(Catalog)
        case folder(URL, displayPath: String)
    }

    private let source: Source
    private let limits: SessionLimits
    private let stores: StoreDirectory
    private let registry: SessionRegistry
    private let logger: Logger
    private let services = Mutex<[String: ModuleService]>([:]) // by init.lua's path
    /// Over a store shared by replicas: each service's hold on its module's
    /// lock (``StoreDatabase/holdLock(_:acquired:lost:)``), by init.lua's path.
    private let locks = Mutex<[String: Task<Void, Never>]>([:])
    /// Scans and restarts run one after another.
    private let lastChange = Mutex<Task<Void, Never>?>(nil)

    public init(source: Source, limits: SessionLimits, stores: StoreDirectory, registry: SessionRegistry, logger: Logger) {
        self.source = source
        self.limits = limits
        self.stores = stores
        self.registry = registry
        self.logger = logger
    }

    /// The file name of a module's service.
    public static let fileName = "init.lua"

    public func run() async throws {
        await startNew()
        try? await gracefulShutdown()
        await stopAll()
        await FetchClient.shutdown() // after every state that could fetch has ended
    }

    /// The service of a module, by its name.
    public func service(module: String) -> ModuleService? {
        services.withLock { $0.values.first { $0.module == module } }
    }

    /// Every service running now.
    public var all: [ModuleService] { services.withLock { Array($0.values) } }

    /// Starts the services of modules that have none yet and stops those
    /// whose init.lua is gone; answers when they have booted.
    public func startNew() async {
        let found = modules()
        let (added, removed) = services.withLock { services -> ([ModuleService], [ModuleService]) in
            var added: [ModuleService] = []
            for (path, module) in found where services[path] == nil {
                let service = makeService(module: module.name, file: URL(fileURLWithPath: path),
                                          displayPath: module.displayPath)
                services[path] = service
                added.append(service)
            }
            let gone = services.keys.filter { found[$0] == nil }
            return (added, gone.compactMap { services.removeValue(forKey: $0) })
        }
        if let database = stores.database {
            locks.withLock { locks in
                for service in added {
                    locks[service.file.standardizedFileURL.path] = Task {
                        await database.holdLock("gizmo-service:" + service.module,
                                                acquired: { await service.takeOver() }, lost: { await service.standBy() })
                    }
                }
                for service in removed { locks.removeValue(forKey: service.file.standardizedFileURL.path)?.cancel() }
            }
        }
        for service in removed {
            logger.info("service stopped: \(LogText.escaped(service.module))'s init.lua is gone")
            await service.stop()
        }
        await withTaskGroup(of: Void.self) { group in
            for service in added { group.addTask { await service.start() } }
        }
    }

    /// Files changed: restarts the services that use them, starts new ones.
    public func filesChanged(_ changed: Set<String>) {
        lastChange.withLock { last in
            let previous = last
            last = Task { [weak self] in
                await previous?.value
                guard let self else { return }
                let affected = self.services.withLock { Array($0.values) }.filter { !$0.dependencies.isDisjoint(with: changed) }
                for service in affected {
                    self.logger.info("service restarts: its files changed")
                    await service.start()
                }
                await self.startNew()
            }
        }
    }

    /// Waits for the restarts asked for so far (tests).
    public func changesFinished() async {
        await lastChange.withLock { $0 }?.value
    }

    /// Stops every service, then closes the stores.
    public func stopAll() async {
        let all = services.withLock { services in
            defer { services = [:] }
            return Array(services.values)
        }
        await withTaskGroup(of: Void.self) { group in
            for service in all { group.addTask { await service.stop() } }
        }
        // Then the locks: another replica takes the services over.
        let held = locks.withLock { locks in
            defer { locks = [:] }
            return Array(locks.values)
        }
        for task in held { task.cancel() }
        for task in held { await task.value }
        stores.closeAll()
    }

    private func makeService(module: String, file: URL, displayPath: String) -> ModuleService {
        let folder = file.deletingLastPathComponent().standardizedFileURL
        let registry = self.registry
        return ModuleService(module: module, file: file, displayPath: displayPath, limits: limits, stores: stores,
                             standingBy: stores.database != nil, logger: logger) { message in
            registry.notice(message, toModuleIn: folder)
        }
    }

    /// init.lua files by path, with their module's name and the path people see.
    private func modules() -> [String: (name: String, displayPath: String)] {
        var found: [String: (name: String, displayPath: String)] = [:]
        switch source {
        case .folder(let folder, let displayPath):
            let file = folder.appendingPathComponent(Self.fileName).standardizedFileURL
            if FileManager.default.fileExists(atPath: file.path) {
                found[file.path] = (folder.lastPathComponent, displayPath)
            }
        case .catalog(let catalog):
            guard let listing = try? catalog.scan() else { return found }
            for module in listing.modules {
                let file = module.folder.appendingPathComponent(Self.fileName).standardizedFileURL
                guard FileManager.default.fileExists(atPath: file.path) else { continue }
                let shown = module.scripts.first.map {
                    (($0.displayPath as NSString).deletingLastPathComponent as NSString).appendingPathComponent(Self.fileName)
                } ?? file.path
                found[file.path] = (module.name, shown)
            }
        }
        return found
    }
}
