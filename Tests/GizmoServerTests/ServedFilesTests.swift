import AsyncHTTPClient
import Foundation
import GizmoLua
@testable import GizmoServer
import GizmoTestFixtures
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// Files a script registers are checked when they are served, not only when
/// registered: a symlink swapped in since then is not followed out of the
/// script's folder.
@Suite(.serialized)
struct ServedFilesTests {
    static let script = """
        local gz = require("gizmo")
        local t = gz.Text("files")
        t:add_content("page.js", "text/javascript")
        t:add_content("lib/big.bin", "application/octet-stream")
        t:show()
        """

    /// A session of `script` in a folder of its own, beside a secret.
    func withSession(_ body: (TemporaryFolder, Session, any ApplicationProtocol) async throws -> Void) async throws {
        let folder = TemporaryFolder()
        folder.write("mod/page.js", "console.log('served')")
        folder.write("mod/lib/big.bin", String(repeating: "0123456789abcdef", count: 65536 + 7))  // 1 MiB + 112 bytes
        folder.write("secret.txt", "the secret")
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let registry = SessionRegistry(configuration: .init(grace: 30, firstPageTimeout: nil), logger: logger)
        let (session, boot) = try await registry.start(Script(displayPath: "mod/files.lua",
                                                              directory: folder.url.appendingPathComponent("mod"), source: Self.script))
        #expect(boot.error == nil)
        defer { registry.endAll(reason: "test over") }
        try await body(folder, session, GizmoApplication.build(registry: registry, host: "127.0.0.1", port: 0, logger: logger))
    }

    @Test func aRegisteredFileIsServedWhole() async throws {
        try await withSession { _, session, app in
            try await app.test(.live) { client in
                try await client.execute(uri: "/gizmo/http/\(session.id)/page.js", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType] == "text/javascript")
                    #expect(String(buffer: response.body) == "console.log('served')")
                }
                try await client.execute(uri: "/gizmo/http/\(session.id)/big.bin", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentLength] == "\(16 * (65536 + 7))")
                    #expect(response.body.readableBytes == 16 * (65536 + 7))
                    #expect(response.body.getString(at: response.body.readerIndex + 16 * 65536, length: 16) == "0123456789abcdef")
                }
            }
        }
    }

    @Test func aFileSwappedForALinkOutOfTheFolderIsNotServed() async throws {
        try await withSession { folder, session, app in
            folder.link("mod/page.js", to: "../secret.txt")
            folder.link("mod/lib", to: "..")  // lib/big.bin would now be ../big.bin
            folder.write("big.bin", "outside")
            try await app.test(.router) { client in
                for name in ["page.js", "big.bin"] {
                    try await client.execute(uri: "/gizmo/http/\(session.id)/\(name)", method: .get) { response in
                        #expect(response.status == .notFound, "\(name)")
                        #expect(!String(buffer: response.body).contains("secret"))
                        #expect(!String(buffer: response.body).contains("outside"))
                    }
                }
            }
        }
    }

    @Test func aFileSwappedForALinkInsideTheFolderIsServed() async throws {
        try await withSession { folder, session, app in
            folder.write("mod/other.js", "console.log('other')")
            folder.link("mod/page.js", to: "other.js")
            try await app.test(.router) { client in
                try await client.execute(uri: "/gizmo/http/\(session.id)/page.js", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body) == "console.log('other')")
                }
            }
        }
    }

    @Test func aFileThatIsGoneOrNoLongerAFileIs404() async throws {
        try await withSession { folder, session, app in
            try FileManager.default.removeItem(at: folder.url.appendingPathComponent("mod/page.js"))
            try FileManager.default.createDirectory(at: folder.url.appendingPathComponent("mod/page.js"), withIntermediateDirectories: false)
            try FileManager.default.removeItem(at: folder.url.appendingPathComponent("mod/lib/big.bin"))
            try await app.test(.router) { client in
                for name in ["page.js", "big.bin"] {
                    try await client.execute(uri: "/gizmo/http/\(session.id)/\(name)", method: .get) { response in
                        #expect(response.status == .notFound, "\(name)")
                    }
                }
            }
        }
    }
}
