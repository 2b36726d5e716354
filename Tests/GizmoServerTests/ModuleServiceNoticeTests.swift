import Foundation
import GizmoLua
import GizmoServer
import GizmoStore
import GizmoTestFixtures
import Logging
import Synchronization
import Testing

/// What a module's service tells the module's pages (its notices) and its
/// entry page (``ModuleService/lastError``) when it fails: once per failure.
struct ModuleServiceNoticeTests {
    let folder = TemporaryFolder()
    let data = TemporaryFolder()

    /// The notices a service sent, in order.
    final class Notices: Sendable {
        private let told = Mutex<[String]>([])
        func add(_ message: String) { told.withLock { $0.append(message) } }
        var all: [String] { told.withLock { $0 } }
    }

    func service(_ source: String, notices: Notices) -> ModuleService {
        let file = folder.write("m/init.lua", source)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let base = data.url
        let stores = StoreDirectory { module throws(StoreError) in
            try StoreDirectory.openSQLite(base.appendingPathComponent(module.lastPathComponent))
        }
        return ModuleService(module: "m", file: file, displayPath: "m/init.lua", limits: .init(), stores: stores,
                             logger: logger) { notices.add($0) }
    }

    @Test func aServiceThatFailsToStartIsToldOnce() async throws {
        let notices = Notices()
        let service = service("-- The module.\nlocal gz = require('gizmo')\ngz.Button('x')\n", notices: notices)
        await service.start()
        #expect(notices.all.count == 1, "\(notices.all)")
        #expect(notices.all.first?.contains("m/init.lua:3: gz.Button: a module's service has no page") == true)
        #expect(service.lastError?.contains("gz.Button") == true)
        await service.stop()
    }
}
