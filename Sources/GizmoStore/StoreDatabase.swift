import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// The PostgreSQL database that keeps every module's store when replicas
/// share one (`serve --store postgres://...`): a pool of connections
/// (postgres-nio's `PostgresClient`) on an event loop of its own, the schema
/// (``PostgresSchema``), and one connection that LISTENs for every
/// replica's changes and hands them, in commit order, to ``StoreDirectory``.
///
/// The store's calls are synchronous (a Lua turn waits for its write, as it
/// waits for SQLite's): ``wait(_:)`` runs the query on the database's own
/// event loop and blocks the caller, a session's queue or a request's task,
/// never that loop. A call that gets no answer within ``deadline`` (2 s, well
/// inside a handler's 5 s CPU limit, which the wait counts toward) fails
/// with a clear error (the database is down, or restarting); nothing it
/// did not acknowledge is counted as written.
public final class StoreDatabase: Sendable {
    /// One committed change, as a replica's notification told it: a module's
    /// key, and its JSON or, when the notification was too large to carry
    /// it (``PostgresSchema/payloadBytes``), nil with `big`.
    struct Notice: Decodable, Sendable {
        var m: String
        var k: String
        var v: Int64
        var t: String
        var j: String?
        var s: Int64?
        var keep: Int?
        var big: Bool?
    }

    /// How long a store call waits for the database.
    public let deadline: Duration
    let address: StoreURL
    let client: PostgresClient
    let group: MultiThreadedEventLoopGroup
    private let executor: EventLoopTaskExecutor
    let logger: Logger
    private let tasks = Mutex<[Task<Void, Never>]>([])
    /// Where notices go, in order (set by ``StoreDirectory``), and what runs
    /// each time the listening connection (re)starts: changes may have been
    /// missed meanwhile.
    private let receiver = Mutex<Receiver?>(nil)
    /// Notices are handled here, in the order they came, off the event loop
    /// (a large one reads its row, which blocks).
    private let notices = DispatchQueue(label: "gizmo.store.notices")
    /// Signalled each time the listening connection has started.
    private let listening = DispatchSemaphore(value: 0)

    struct Receiver: Sendable {
        var notice: @Sendable (Notice) -> Void
        var listening: @Sendable () -> Void
    }

    /// Connects to the database at `url` (`postgres://user:password@host:port/database`,
    /// `?sslmode=require` for TLS) and makes its tables, if they are not there.
    /// - Throws: ``StoreError`` with the reason when the URL is not one, or
    ///   the database cannot be reached or written within 10 s.
    public init(url: String, deadline: Duration = .seconds(2), logger: Logger) throws(StoreError) {
        let address = try StoreURL(url)
        self.address = address
        self.deadline = deadline
        self.logger = logger
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        executor = EventLoopTaskExecutor(group.next())
        // postgres-nio logs each failed connection attempt at info; the
        // store says what matters itself.
        var background = logger
        background.logLevel = max(logger.logLevel, .warning)
        client = PostgresClient(configuration: address.client, eventLoopGroup: group, backgroundLogger: background)
        let client = self.client
        tasks.withLock { $0.append(Task(executorPreference: executor) { await client.run() }) }
        do {
            try wait(within: max(deadline, .seconds(10))) { client in
                try await client.withTransaction(logger: logger) { connection in
                    for statement in PostgresSchema.statements {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                }
            }
        } catch {
            close()
            throw StoreError("the store database at \(StoreURL.redacted(url)) cannot be used: \(error.message)")
        }
        tasks.withLock { $0.append(Task(executorPreference: executor) { [weak self] in await self?.listen() }) }
        // A change made before this replica listens would reach none of its
        // watchers: the store is ready once the LISTEN has been answered.
        if listening.wait(timeout: .now() + 10) == .timedOut {
            close()
            throw StoreError("the store database at \(StoreURL.redacted(url)) did not answer LISTEN within 10 s")
        }
    }

    /// Starts handing notices to `notice` and telling `listening` each time
    /// the listening connection starts again (it had started before `init`
    /// returned, before any store was open).
    func receive(_ notice: @escaping @Sendable (Notice) -> Void, listening: @escaping @Sendable () -> Void) {
        receiver.withLock { $0 = Receiver(notice: notice, listening: listening) }
    }

    /// `url` without its password, for messages and the log.
    public static func redacted(_ url: String) -> String { StoreURL.redacted(url) }

    /// Stops listening and closes the connections, then the event loop, in
    /// the background: the caller may hold one of the few threads of Swift's
    /// pool, and postgres-nio may need one to wind down.
    public func close() {
        let running = tasks.withLock { tasks in
            defer { tasks = [] }
            return tasks
        }
        guard !running.isEmpty else { return }
        for task in running { task.cancel() }
        let group = self.group
        Task.detached {
            for task in running { await task.value }
            try? await group.shutdownGracefully()
        }
    }

    /// Runs `body` on the database's event loop and waits for its answer,
    /// at most ``deadline``.
    /// - Parameter write: the query changes the store (its error says whether
    ///   the change was made, when that is known).
    func wait<T: Sendable>(within limit: Duration? = nil, write: Bool = false,
                           _ body: @escaping @Sendable (PostgresClient) async throws -> T) throws(StoreError) -> T {
        precondition(!executor.eventLoop.inEventLoop, "a store call blocked the store database's own event loop")
        let answer = Answer<T>()
        let client = self.client, deadline = limit ?? self.deadline
        let query = Task(executorPreference: executor) {
            do {
                answer.set(.success(try await body(client)))
            } catch {
                answer.set(.failure(Self.storeError(error, deadline: deadline, write: write)))
            }
        }
        // The caller waits at most the deadline, whatever postgres-nio does
        // with the cancelled query (a lease waiting for a connection to a
        // stopped database does not end at once); a late answer is dropped.
        guard let result = answer.wait(upTo: deadline) else {
            query.cancel()
            throw Self.storeError(DeadlinePassed(), deadline: deadline, write: write)
        }
        return try result.get()
    }

    /// A query's answer, handed from the loop to the thread that waits.
    private final class Answer<T: Sendable>: Sendable {
        private let result = Mutex<Result<T, StoreError>?>(nil)
        private let done = DispatchSemaphore(value: 0)

        func set(_ value: Result<T, StoreError>) {
            result.withLock { $0 = value }
            done.signal()
        }

        /// The answer, or nil when none came within `deadline`.
        func wait(upTo deadline: Duration) -> Result<T, StoreError>? {
            let nanoseconds = Int(deadline.components.seconds) * 1_000_000_000 + Int(deadline.components.attoseconds / 1_000_000_000)
            guard done.wait(timeout: .now() + .nanoseconds(nanoseconds)) == .success else { return nil }
            return result.withLock { $0 }
        }
    }

    private struct DeadlinePassed: Error {}

    private static func storeError(_ error: any Error, deadline: Duration, write: Bool) -> StoreError {
        // Whether a change was made, said only when it is known: a query
        // sent and not answered may have committed all the same.
        let notMade = write ? "; the change was not made" : ""
        let maybe = write ? "; the change may not have been made: read the key to know" : ""
        switch error {
        case let error as StoreError:
            return error
        case is DeadlinePassed:
            return StoreError("the store database did not answer within \(deadline.components.seconds) s "
                + "(is PostgreSQL running?)" + maybe)
        case let error as PSQLError:
            // An error from the server rolls its statement back.
            if let message = error.serverInfo?[.message] { return StoreError("the store database refused: \(message)" + notMade) }
            if error.code == .connectionError {
                return StoreError("the store database cannot be reached (is PostgreSQL running?)" + notMade)
            }
            return StoreError("the store database's connection failed (\(error.code))" + maybe)
        default:
            return StoreError("the store database failed: \(String(reflecting: error))")
        }
    }

    /// LISTENs on one connection of the pool for as long as the database is
    /// open; a lost connection is opened again (waiting a little longer each
    /// time, at most 2 s), and each start tells the receiver, which reads
    /// again what its watchers watch.
    private func listen() async {
        var pause = Duration.milliseconds(100)
        var number = 0
        while !Task.isCancelled {
            let started = ContinuousClock.now
            number += 1
            do {
                // A connection of its own, not the pool's: the pool's warm
                // one stays free for the first calls while others open.
                let connection = try await PostgresConnection.connect(
                    on: group.next(), configuration: try address.connection(), id: number, logger: logger)
                do {
                    try await connection.listen(on: PostgresSchema.channel) { stream in
                        self.listening.signal()
                        if let receiver = self.receiver.withLock({ $0 }) { self.notices.async(execute: receiver.listening) }
                        self.logger.debug("listening for the store's changes")
                        for try await notification in stream { self.handle(notification.payload) }
                    }
                } catch {
                    try? await connection.close()
                    throw error
                }
                try? await connection.close()
            } catch {
                if Task.isCancelled { return }
                logger.warning("the store's notifications stopped (\(String(reflecting: error))); listening again")
            }
            // A connection that listened for a while starts over from a short pause.
            pause = ContinuousClock.now - started > .seconds(10) ? .milliseconds(100) : min(pause * 2, .seconds(2))
            try? await Task.sleep(for: pause)
        }
    }

    private func handle(_ payload: String) {
        guard let notice = try? JSONDecoder().decode(Notice.self, from: Data(payload.utf8)) else {
            logger.warning("a store notification could not be read: \(payload.prefix(200))")
            return
        }
        guard let receiver = receiver.withLock({ $0 }) else { return }
        notices.async { receiver.notice(notice) }
    }
}

/// The `--store` URL, read by Foundation's URL parser, as the pool's and a
/// single connection's configurations.
struct StoreURL {
    var host: String
    var port: Int
    var username: String
    var password: String?
    var database: String?
    var sslmode: String

    init(_ text: String) throws(StoreError) {
        guard let url = URLComponents(string: text), ["postgres", "postgresql"].contains(url.scheme ?? ""),
              let host = url.host, !host.isEmpty else {
            throw StoreError("--store must be a URL like postgres://user:password@host:5432/database, not \(Self.redacted(text))")
        }
        let database = String(url.path.drop { $0 == "/" })
        self.host = host
        port = url.port ?? 5432
        username = url.user ?? "postgres"
        password = url.password
        self.database = database.isEmpty ? nil : database
        sslmode = url.queryItems?.first { $0.name == "sslmode" }?.value ?? "disable"
        guard ["disable", "prefer", "require"].contains(sslmode) else {
            throw StoreError("--store: sslmode must be disable, prefer or require, not \(sslmode)")
        }
    }

    var client: PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS = switch sslmode {
        case "require": .require(.makeClientConfiguration())
        case "prefer": .prefer(.makeClientConfiguration())
        default: .disable
        }
        var configuration = PostgresClient.Configuration(host: host, port: port, username: username, password: password,
                                                         database: database, tls: tls)
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.maximumConnections = 16
        // One kept open (the one the schema was made on): the first calls
        // after a start, and after a quiet minute, need not wait for a new
        // connection (a busy machine's or database's handshake can take
        // longer than a call's deadline); calls queue for it meanwhile.
        configuration.options.minimumConnections = 1
        return configuration
    }

    /// One connection of its own (a service's lock lives and dies with it).
    func connection() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS = switch sslmode {
        case "require": .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case "prefer": .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        default: .disable
        }
        var configuration = PostgresConnection.Configuration(host: host, port: port, username: username,
                                                             password: password, database: database, tls: tls)
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }

    /// The URL without its password, for messages and the log.
    static func redacted(_ text: String) -> String {
        guard var url = URLComponents(string: text), url.password != nil else { return text }
        url.password = "****"
        return url.string ?? "the URL given"
    }
}
