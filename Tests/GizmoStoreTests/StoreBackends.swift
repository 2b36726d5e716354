import Foundation
import GizmoStore
import GizmoTestFixtures
import Logging
import Synchronization
import Testing

/// The backends the store's semantics are tested against: SQLite always,
/// PostgreSQL when `make test` (Tests/postgres/with-cluster.sh) has started
/// a throwaway cluster and named it in GIZMO_TEST_POSTGRES_URL.
enum Backend: String, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    static let postgresURL = ProcessInfo.processInfo.environment["GIZMO_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static let available: [Backend] = postgresURL == nil ? [.sqlite] : [.sqlite, .postgres]

    var testDescription: String { rawValue }
}

/// A module's store on one backend, opened as a server opens it (a
/// ``StoreDirectory``), and opened again as another replica (PostgreSQL) or
/// after a restart would; ``close()`` closes everything it opened.
final class StoreFixture: @unchecked Sendable {
    let backend: Backend
    let folder = TemporaryFolder()
    /// A module of its own in the shared database, so tests never meet.
    let module = "test-" + UUID().uuidString.lowercased()
    private var directories: [StoreDirectory] = []

    init(_ backend: Backend) {
        self.backend = backend
    }

    /// Closes what it opened (call it in a `defer`, which also keeps the
    /// fixture alive until the test ends).
    func close() {
        for directory in directories { directory.closeAll() }
        directories = []
    }

    /// The module's store through a new directory: for PostgreSQL a new
    /// connection to the database, as another replica has.
    func open(_ limits: StoreLimits = .init()) throws -> ModuleStore {
        let directory: StoreDirectory
        switch backend {
        case .sqlite:
            directory = StoreDirectory(limits: limits)
        case .postgres:
            var logger = Logger(label: "store-test")
            logger.logLevel = .warning
            directory = StoreDirectory(limits: limits, database: try StoreDatabase(url: Backend.postgresURL!, logger: logger))
        }
        directories.append(directory)
        return try directory.store(in: folder.url.appendingPathComponent(module))
    }
}

/// A watcher that keeps what it is told, and lets a test wait for a number
/// of changes (a shared database tells its watchers a moment after the write).
final class Recorder: StoreWatcher {
    struct Seen: Equatable {
        var change: StoreChange
        var watch: Int
        init(_ change: StoreChange, _ watch: Int) { self.change = change; self.watch = watch }
    }
    let changes = Mutex<[Seen]>([])
    private let (told, tell) = AsyncStream.makeStream(of: Void.self)

    func changed(_ change: StoreChange, watch: Int) {
        changes.withLock { $0.append(Seen(change, watch)) }
        tell.yield()
    }

    /// Waits until `count` changes have come, at most a minute (a deadline
    /// far past any machine's delay, so that a lost change fails the test).
    func waitFor(_ count: Int) async throws -> [Seen] {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in self.told where self.changes.withLock({ $0.count }) >= count { return }
            }
            group.addTask {
                try await Task.sleep(for: .seconds(60))
                throw WaitedTooLong(count: count, seen: self.changes.withLock { $0.count })
            }
            if changes.withLock({ $0.count }) < count { try await group.next() }
            group.cancelAll()
        }
        return changes.withLock { $0 }
    }

    struct WaitedTooLong: Error { var count: Int; var seen: Int }
}
