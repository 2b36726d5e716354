import Foundation
import GizmoLua
@testable import GizmoServer
import GizmoTestFixtures
import Hummingbird
import HummingbirdTesting
import HummingbirdWSClient
import HummingbirdWSTesting
import Logging
import Testing

/// Hot reload of a session: the new code re-renders over the same socket.
@Suite(.serialized)
struct SessionReloadTests {
    static func version(_ text: String) -> String {
        """
        local gz = require("gizmo")
        gz.session.runs = (gz.session.runs or 0) + 1
        gz.Text("\(text) run " .. gz.session.runs):show()
        """
    }

    let folder = TemporaryFolder()

    func start() async throws -> (some ApplicationProtocol, SessionRegistry, Session, URL) {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let registry = SessionRegistry(configuration: .init(grace: 1, firstPageTimeout: nil), logger: logger)
        let file = folder.write("mod/page.lua", Self.version("first"))
        folder.write("mod/other.lua", "local gz = require('gizmo')\ngz.Text('other'):show()\n")
        let (session, _) = try await registry.start(try Script(contentsOf: file.path))
        let app = GizmoApplication.build(registry: registry, host: "127.0.0.1", port: 0, logger: logger)
        return (app, registry, session, file.standardizedFileURL)
    }

    func text(_ commands: [[String: Any]]) -> String? {
        (commands.first { $0["op"] as? String == "render" }?["node"] as? [String: Any])?["text"] as? String
    }

    @Test func aChangedScriptReRendersInPlaceKeepingGzSession() async throws {
        let (app, registry, session, file) = try await start()
        try await app.test(.live) { client in
            try await client.ws("/gizmo/ws/\(session.id)") { inbound, outbound, _ in
                var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                try await outbound.write(.text(#"{"t":"hello","v":1}"#))
                #expect(text(try GizmoApplicationTests.commands(await messages.next())) == "first run 1")

                folder.write("mod/page.lua", Self.version("second"))
                #expect(registry.reload(changed: [file.path, "/elsewhere/x.lua"]) == 1)
                #expect(text(try GizmoApplicationTests.commands(await messages.next())) == "second run 2")

                // A syntax error: an overlay, and the last good run goes on.
                folder.write("mod/page.lua", "local gz = require('gizmo')\nlocal = 1\n")
                registry.reload(changed: [file.path])
                let overlay = try GizmoApplicationTests.commands(await messages.next())
                #expect(overlay.first?["op"] as? String == "overlay")
                #expect((overlay.first?["msg"] as? String)?.contains("page.lua:2:") == true)

                // An error in the main code: an overlay too.
                folder.write("mod/page.lua", "error('broken at start')\n")
                registry.reload(changed: [file.path])
                let failed = try GizmoApplicationTests.commands(await messages.next())
                #expect((failed.first?["msg"] as? String)?.contains("broken at start") == true)

                // Deleted: a message, and the session stays.
                try FileManager.default.removeItem(at: file)
                registry.reload(changed: [file.path])
                let gone = try GizmoApplicationTests.commands(await messages.next())
                #expect((gone.first?["msg"] as? String)?.contains("no such file") == true)
                #expect(registry.session(session.id) != nil)

                // Fixed: a render from the new code, with what gz.session kept.
                folder.write("mod/page.lua", Self.version("third"))
                registry.reload(changed: [file.path])
                #expect(text(try GizmoApplicationTests.commands(await messages.next())) == "third run 3")
                await session.reloadsFinished()
            }
        }
    }

    @Test func otherFilesDoNotReloadTheSession() async throws {
        let (_, registry, session, file) = try await start()
        let other = file.deletingLastPathComponent().appendingPathComponent("other.lua").path
        #expect(registry.reload(changed: [other]) == 0)
        #expect(session.dependencies == [file.path])
    }
}
