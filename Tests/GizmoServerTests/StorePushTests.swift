import Foundation
import GizmoLua
@testable import GizmoServer
import GizmoStore
import GizmoTestFixtures
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing

/// `POST /push/<module>/<key>`: a process outside the gizmo sets or appends
/// to a key of a module's store; watchers see it; every bad input is a 4xx
/// that says what to do; other machines need the token.
@Suite(.serialized)
struct StorePushTests {
    static let token = try! AccessToken("5f3c0ffee5f3c0ffee5f3c0ffee5f3c0")

    let scripts = TemporaryFolder()
    let data = TemporaryFolder()
    let stores: StoreDirectory
    let push: StorePush
    let logger: Logger

    init() throws {
        scripts.write("jobs/view.lua", "-- A view.\nrequire('gizmo').Text('hi'):show()\n")
        let base = data.url
        stores = StoreDirectory(limits: StoreLimits(valueBytes: 4096, moduleBytes: 64 << 10)) { folder throws(StoreError) in
            try StoreDirectory.openSQLite(base.appendingPathComponent(folder.lastPathComponent))
        }
        // The data folders are the environment's (as the sessions' are); the
        // stores open them in this test's folder.
        push = StorePush(modules: .catalog(try Catalog(folders: [scripts.path])), stores: stores)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        self.logger = logger
    }

    var store: ModuleStore { get throws { try stores.store(in: DataFolder.root(module: "jobs")) } }

    func makeApp(token: AccessToken? = nil) -> some ApplicationProtocol {
        let registry = SessionRegistry(configuration: .init(stores: stores), logger: logger)
        return GizmoApplication.build(registry: registry, host: "127.0.0.1", port: 0, logger: logger, push: push,
                                      access: ServerAccess(hosts: HostAllowList(bindHost: "127.0.0.1"), requiredToken: token))
    }

    /// A push as it arrives from `peer`, straight to the route's handler.
    func send(_ path: String, _ body: String, peer: String = "127.0.0.1", headers: HTTPFields = [:],
              tokenRequired: Bool = false) async throws -> (status: HTTPResponse.Status, body: String) {
        let request = Request(head: HTTPRequest(method: .post, scheme: "http", authority: "127.0.0.1:9898", path: path,
                                                headerFields: headers),
                              body: RequestBody(buffer: ByteBuffer(string: body)))
        let response = await push.respond(to: request, peer: try SocketAddress(ipAddress: peer, port: 40000),
                                          tokenRequired: tokenRequired)
        var collected = ByteBuffer()
        let writer = CollectingWriter()
        try await response.body.write(writer)
        collected = writer.buffer.withLock { $0 }
        return (response.status, String(buffer: collected))
    }

    // MARK: Writes

    @Test func aPushFromThisMachineSetsTheKeyThroughTheServer() async throws {
        try await makeApp().test(.live) { client in
            try await client.execute(uri: "/push/jobs/status", method: .post,
                                     body: ByteBuffer(string: #"{"step": 3, "loss": 0.25}"#)) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "{\"version\":1}\n")
                #expect(response.headers[.contentType] == "application/json")
            }
            try await client.execute(uri: "/push/jobs/status", method: .post, body: ByteBuffer(string: "\"done\"")) { response in
                #expect(String(buffer: response.body) == "{\"version\":2}\n")
            }
        }
        #expect(try store.get("status").json == "\"done\"")
    }

    @Test func nullDeletesTheKeyAndKeysMayHoldSlashesAndUnicode() async throws {
        _ = try await send("/push/jobs/a%2Fb%20%C3%A9", "1")
        #expect(try store.get("a/b é").json == "1")
        _ = try await send("/push/jobs/run/7/loss", "2")
        #expect(try store.get("run/7/loss").json == "2")
        let (status, _) = try await send("/push/jobs/run/7/loss", " null ")
        #expect(status == .ok)
        #expect(try store.get("run/7/loss").json == nil)
    }

    @Test func appendKeepsTheLastNItemsAndAnswersTheSequenceNumber() async throws {
        var answers: [String] = []
        for step in 1...5 {
            let (status, body) = try await send("/push/jobs/loss?append=3", #"{"step":\#(step)}"#)
            #expect(status == .ok)
            answers.append(body)
        }
        #expect(answers.last == "{\"seq\":5,\"version\":5}\n")
        #expect(try store.get("loss").json == #"[{"step":3},{"step":4},{"step":5}]"#)
    }

    @Test func aWatcherInASessionSeesThePushedValue() async throws {
        let frames = Mutex<[String]>([])
        let script = Script(displayPath: "jobs/view.lua", directory: scripts.url.appendingPathComponent("jobs"), source: """
            local gz = require("gizmo")
            local shown = gz.Text("-")
            shown:show()
            gz.store.watch("temperature", function(v) shown:text("temperature " .. tostring(v and v.celsius)) end)
            """)
        let vm = GizmoVM(script: script, logger: logger, stores: stores) { output in
            switch output {
            case .frame(let text), .join(_, _, let text): frames.withLock { $0.append(text) }
            case .ended: break
            }
        }
        let boot = try await vm.boot()
        #expect(boot.error == nil)
        await vm.receive(#"{"t":"hello","v":2,"p":"test-page"}"#)
        let (status, _) = try await send("/push/jobs/temperature", #"{"celsius": 21.5}"#)
        #expect(status == .ok)
        let seen = try await eventually { frames.withLock { $0.contains { $0.contains("temperature 21.5") } } }
        #expect(seen)
        await vm.close()
    }

    // MARK: Refusals

    @Test(arguments: [
        ("/push/nosuch/key", "1", HTTPResponse.Status.notFound, "no module of that name"),
        ("/push/..%2F..%2Fetc/key", "1", .notFound, "no module of that name"),
        ("/push/jobs", "1", .badRequest, "/push/MODULE/KEY"),
        ("/push/jobs/", "1", .badRequest, "a key must be 1 to 256 bytes"),
        ("/push/jobs/" + String(repeating: "k", count: 257), "1", .badRequest, "not 257"),
        ("/push/jobs/%FF", "1", .badRequest, "not UTF-8"),
        ("/push/jobs/a%0Ab", "1", .badRequest, "control characters"),
        ("/push/jobs/k", "{broken", .badRequest, "the body is not JSON"),
        ("/push/jobs/k", "1e400", .badRequest, "the body is not JSON"),
        ("/push/jobs/k", "[1] [2]", .badRequest, "the body is not JSON"),
        ("/push/jobs/k", "   ", .badRequest, "the body is empty"),
        ("/push/jobs/k", String(repeating: "[", count: 101) + String(repeating: "]", count: 101), .badRequest, "nested more than 100"),
        ("/push/jobs/k?append=0", "1", .badRequest, "append must be a whole number from 1 to 100000"),
        ("/push/jobs/k?append=100001", "1", .badRequest, "append must be"),
        ("/push/jobs/k?append=-1", "1", .badRequest, "append must be"),
        ("/push/jobs/k?append=ten", "1", .badRequest, "append must be"),
        ("/push/jobs/k?keep=3", "1", .badRequest, "unknown query parameter"),
        ("/push/jobs/k", String(repeating: " ", count: 4092) + "12345", .contentTooLarge, "--store-value-limit"),
    ])
    func badInputIsRefusedWithALineThatSaysWhatToDo(path: String, body: String, status: HTTPResponse.Status,
                                                   message: String) async throws {
        let answer = try await send(path, body)
        #expect(answer.status == status)
        #expect(answer.body.hasPrefix("gizmolua push: "))
        #expect(answer.body.contains(message), "\(answer.body)")
        #expect(answer.body.hasSuffix("\n") && answer.body.dropLast().contains("\n") == false)
        #expect(try store.get("k").json == nil)
    }

    @Test func notUTF8IsRefused() async throws {
        let request = Request(head: HTTPRequest(method: .post, scheme: "http", authority: "127.0.0.1", path: "/push/jobs/k"),
                              body: RequestBody(buffer: ByteBuffer(bytes: [0x22, 0xFF, 0x22])))
        let response = await push.respond(to: request, peer: try SocketAddress(ipAddress: "127.0.0.1", port: 1), tokenRequired: false)
        #expect(response.status == .badRequest)
    }

    @Test func aFullStoreIs507AndAValueKeyAppendedToIs409() async throws {
        let big = "\"" + String(repeating: "x", count: 4000) + "\""
        var status = HTTPResponse.Status.ok
        for i in 0..<40 where status == .ok {
            status = try await send("/push/jobs/big\(i)", big).status
        }
        #expect(status.code == 507)
        #expect(try await send("/push/jobs/big0?append=5", "1").status == .conflict)
    }

    @Test func otherMethodsAre405() async throws {
        try await makeApp().test(.router) { client in
            for method in [HTTPRequest.Method.get, .put, .delete] {
                try await client.execute(uri: "/push/jobs/k", method: method) { response in
                    #expect(response.status == .methodNotAllowed)
                    #expect(response.headers[.allow] == "POST")
                }
            }
        }
    }

    // MARK: Who may push

    @Test func anotherMachineWithoutATokenIsRefused() async throws {
        for peer in ["192.0.2.7", "10.0.0.1", "::ffff:192.0.2.7", "2001:db8::1"] {
            let (status, body) = try await send("/push/jobs/k", "1", peer: peer)
            #expect(status == .forbidden, "\(peer)")
            #expect(body.contains("GIZMO_TOKEN"))
        }
        // A proxy on this machine passes other machines' requests from loopback.
        let proxied: HTTPFields = [HTTPField.Name("X-Forwarded-For")!: "192.0.2.7"]
        #expect(try await send("/push/jobs/k", "1", headers: proxied).status == .forbidden)
        // A page of another site, in a browser on this machine.
        #expect(try await send("/push/jobs/k", "1", headers: [.origin: "https://evil.example"]).status == .forbidden)
        #expect(try store.get("k").json == nil)
        for peer in ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"] {
            #expect(try await send("/push/jobs/k", "1", peer: peer).status == .ok, "\(peer)")
        }
    }

    @Test func anotherMachineWithTheTokenIsAccepted() async throws {
        #expect(try await send("/push/jobs/k", "1", peer: "192.0.2.7", tokenRequired: true).status == .ok)
        // Through the server: the token check asks for it first.
        try await makeApp(token: Self.token).test(.router) { client in
            try await client.execute(uri: "/push/jobs/k", method: .post, body: ByteBuffer(string: "2")) { response in
                #expect(response.status == .forbidden)
            }
            try await client.execute(uri: "/push/jobs/k", method: .post,
                                     headers: [.authorization: "token \(Self.token.value)"],
                                     body: ByteBuffer(string: "3")) { response in
                #expect(response.status == .ok)
            }
        }
        #expect(try store.get("k").json == "3")
    }

    @Test func aServerWithoutATokenRefusesARequestWithNoPeer() async throws {
        // The router tests have no socket, so no peer address: not loopback.
        try await makeApp().test(.router) { client in
            try await client.execute(uri: "/push/jobs/k", method: .post, body: ByteBuffer(string: "2")) { response in
                #expect(response.status == .forbidden)
            }
        }
    }

    @Test func runServesOnlyItsScriptsModule() async throws {
        let single = StorePush(modules: .folder(scripts.url.appendingPathComponent("jobs"), displayPath: "jobs/view.lua"),
                               stores: stores)
        for (path, status) in [("/push/jobs/k", HTTPResponse.Status.ok), ("/push/other/k", .notFound)] {
            let request = Request(head: HTTPRequest(method: .post, scheme: "http", authority: "127.0.0.1", path: path),
                                  body: RequestBody(buffer: ByteBuffer(string: "1")))
            let response = await single.respond(to: request, peer: try SocketAddress(ipAddress: "127.0.0.1", port: 1),
                                                tokenRequired: false)
            #expect(response.status == status, "\(path)")
        }
    }
}

/// Collects a response body (the handler's answer, without a socket).
final class CollectingWriter: ResponseBodyWriter, Sendable {
    let buffer = Mutex(ByteBuffer())
    func write(_ buffer: ByteBuffer) async throws {
        self.buffer.withLock { $0.writeImmutableBuffer(buffer) }
    }
    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
