import Foundation
import GizmoLua
import GizmoServer
import GizmoStore
import GizmoTestFixtures
import Logging
import Testing

/// A module's init.lua as its service: once per server, independent of
/// pages, restarted when its file changes, its errors kept for the entry page.
struct ModuleServicesTests {
    let folder = TemporaryFolder()
    let data = TemporaryFolder()

    init() {
        folder.write("m/view.lua", "-- A view.\nrequire('gizmo').Text('hi'):show()\n")
    }

    func services() throws -> (ModuleServices, StoreDirectory) {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let base = data.url
        let stores = StoreDirectory { module throws(StoreError) in
            try StoreDirectory.openSQLite(base.appendingPathComponent(module.lastPathComponent))
        }
        let registry = SessionRegistry(configuration: .init(stores: stores), logger: logger)
        let services = ModuleServices(source: .catalog(try Catalog(folders: [folder.path])), limits: .init(),
                                      stores: stores, registry: registry, logger: logger)
        return (services, stores)
    }

    func value(_ stores: StoreDirectory, _ key: String) throws -> String? {
        try stores.store(in: data.url.appendingPathComponent("m")).get(key).json
    }

    @Test func theServiceRunsOncePerServerWithNoPage() async throws {
        folder.write("m/init.lua", """
            -- The module.
            local gz = require("gizmo")
            gz.store.update("starts", function(n) return (n or 0) + 1 end)
            gz.store.set("page", select(2, pcall(gz.Text, "x")))
            gz.every(0.01, function() gz.store.update("ticks", function(n) return (n or 0) + 1 end) end)
            """)
        let (services, stores) = try services()
        await services.startNew()
        await services.startNew() // a rescan starts nothing twice
        #expect(try value(stores, "starts") == "1")
        #expect(try value(stores, "page")?.contains("a module's service has no page") == true)
        // Its timers fire with no page open.
        #expect(try await eventually { (Int((try? value(stores, "ticks")) ?? nil ?? "0") ?? 0) >= 3 })
        #expect(services.service(module: "m")?.lastError == nil)
        await services.stopAll()
        #expect(services.service(module: "m") == nil)
    }

    @Test func anErrorIsKeptWithItsLineUntilAFixedFileRestartsTheService() async throws {
        let file = folder.write("m/init.lua", "-- The module.\nlocal x = nil + 1\n")
        let (services, stores) = try services()
        await services.startNew()
        let error = try #require(services.service(module: "m")?.lastError)
        #expect(error.contains("init.lua:2:"))
        #expect(services.service(module: "m")?.isRunning == false)

        folder.write("m/init.lua", "-- The module.\nrequire('gizmo').store.set('fixed', true)\n")
        services.filesChanged([file.standardizedFileURL.path])
        await services.changesFinished()
        #expect(services.service(module: "m")?.lastError == nil)
        #expect(services.service(module: "m")?.isRunning == true)
        #expect(try value(stores, "fixed") == "true")

        // A timer's error later is kept too; the service keeps running.
        folder.write("m/init.lua", "-- The module.\nrequire('gizmo').after(0, function() error('late') end)\n")
        services.filesChanged([file.standardizedFileURL.path])
        await services.changesFinished()
        #expect(try await eventually { services.service(module: "m")?.lastError?.contains("late") == true })
        #expect(services.service(module: "m")?.isRunning == true)
        await services.stopAll()
    }

    @Test func fixingAModuleTheServiceRequiresRestartsIt() async throws {
        folder.write("m/init.lua", "-- The module.\nrequire('_feed').start()\n")
        let helper = folder.write("m/_feed.lua", "return { start = function() error('not yet') end }\n")
        let (services, stores) = try services()
        await services.startNew()
        #expect(services.service(module: "m")?.lastError?.contains("not yet") == true)
        folder.write("m/_feed.lua", "return { start = function() require('gizmo').store.set('fed', 1) end }\n")
        services.filesChanged([helper.standardizedFileURL.path])
        await services.changesFinished()
        #expect(services.service(module: "m")?.lastError == nil)
        #expect(try value(stores, "fed") == "1")
        await services.stopAll()
    }

    @Test func aNewModuleGetsItsServiceAndARemovedInitStopsIt() async throws {
        let (services, stores) = try services()
        await services.startNew()
        #expect(services.service(module: "m") == nil)
        let file = folder.write("m/init.lua", "-- The module.\nrequire('gizmo').store.set('up', 1)\n")
        services.filesChanged([file.standardizedFileURL.path])
        await services.changesFinished()
        #expect(services.service(module: "m")?.isRunning == true)
        #expect(try value(stores, "up") == "1")
        try FileManager.default.removeItem(at: file)
        services.filesChanged([file.standardizedFileURL.path])
        await services.changesFinished()
        #expect(services.service(module: "m") == nil)
        await services.stopAll()
    }
}
