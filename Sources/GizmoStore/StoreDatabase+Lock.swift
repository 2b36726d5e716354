import Foundation
import Logging
import PostgresNIO

/// Which replica runs a module's service: the one holding a PostgreSQL
/// advisory lock named after the module (docs/architecture.md, "One service
/// across replicas").
extension StoreDatabase {
    /// How often a replica without the lock tries for it, and a holder checks
    /// that its connection (and so its lock) is still there.
    public static let lockCheck = Duration.seconds(1)

    /// Runs until cancelled: tries for the advisory lock `name` every
    /// ``lockCheck`` on a connection of its own; once it holds it, calls
    /// `acquired`, then checks the connection every ``lockCheck``. The lock
    /// goes with the connection: PostgreSQL releases it when this process
    /// dies, and this releases it when cancelled (then calls `lost`).
    ///
    /// A holder whose connection fails (PostgreSQL restarting) keeps the
    /// service running and asks again once it can: no other replica can get
    /// the lock while the database is down. If, by then, another replica
    /// holds it, `lost` is called (for up to ``lockCheck`` both may run).
    public func holdLock(_ name: String, acquired: @Sendable () async -> Void, lost: @Sendable () async -> Void) async {
        let key = Self.lockKey(name)
        var held = false
        var number = 0
        while !Task.isCancelled {
            number += 1
            do {
                let connection = try await PostgresConnection.connect(
                    on: group.next(), configuration: try address.connection(), id: number, logger: logger)
                do {
                    while !Task.isCancelled {
                        var got = false
                        let rows = try await connection.query("SELECT pg_try_advisory_lock(\(key))", logger: logger)
                        for try await answer in rows.decode(Bool.self) { got = answer }
                        if got && !held {
                            held = true
                            await acquired()
                        } else if !got && held {
                            held = false
                            logger.info("another replica holds \(name) now")
                            await lost()
                        }
                        if got { break }
                        try await Task.sleep(for: Self.lockCheck)
                    }
                    while !Task.isCancelled {
                        try await Task.sleep(for: Self.lockCheck)
                        try await connection.query("SELECT 1", logger: logger)
                    }
                } catch {
                    if !Task.isCancelled {
                        logger.warning("the connection holding \(name) failed (\(String(reflecting: error))); asking again")
                    }
                }
                try? await connection.close()
            } catch {
                if !Task.isCancelled { logger.debug("cannot connect for \(name): \(String(reflecting: error))") }
            }
            try? await Task.sleep(for: Self.lockCheck)
        }
        if held { await lost() }
    }

    /// A lock's 64-bit key: the name's FNV-1a hash,
    /// the same on every replica (Swift's `hashValue` is seeded per process).
    static func lockKey(_ name: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return Int64(bitPattern: hash)
    }
}
