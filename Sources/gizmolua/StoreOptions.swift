import ArgumentParser
import Foundation
import GizmoStore
import Logging

/// Where the modules' `gz.store` lives, for `serve` and `run`: a SQLite file
/// in each module's data folder, or one PostgreSQL database that every
/// server naming it shares (docs/deploy.md, "One store for every replica").
struct StoreOptions: ParsableArguments {
    @Option(name: .customLong("store"),
            help: "Keep every module's gz.store in this PostgreSQL database, shared by every server that names it (postgres://user:password@host:5432/database). Default: a SQLite file in each module's data folder; GIZMO_STORE_URL also sets it.")
    var storeURL: String?

    /// The stores, checked now: a server that cannot reach its store does not start.
    func stores(limits: StoreLimits, logger: Logger) throws -> StoreDirectory {
        let url = storeURL ?? ProcessInfo.processInfo.environment["GIZMO_STORE_URL"]
        guard let url, !url.isEmpty else { return StoreDirectory(limits: limits) }
        do {
            let database = try StoreDatabase(url: url, logger: logger)
            Terminal.error("gizmolua: the modules' stores are in PostgreSQL at \(StoreDatabase.redacted(url))")
            return StoreDirectory(limits: limits, database: database)
        } catch {
            throw Terminal.fail("gizmolua: \(error.message)")
        }
    }
}
