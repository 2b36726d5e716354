import Foundation
import GizmoGrants
@testable import GizmoLua
import GizmoTestFixtures
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization
import Testing

/// `gz.fetch` against a Hummingbird app on 127.0.0.1 started by the test:
/// GET, POST with a body and headers, status codes, a redirect returned and
/// not followed, a timeout, bodies too large, and the refusals. Waits are
/// for the answer, with generous deadlines; no test times anything.
@Suite(.timeLimit(.minutes(3)))
struct FetchTests {
    /// What the slow route waits for: the test lets it go at the end.
    final class Gate: Sendable {
        let open = Mutex(false)
    }

    static func router(gate: Gate) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/hello") { _, _ in "hello" }
        router.post("/echo") { request, _ in
            let body = try await request.body.collect(upTo: 1 << 20)
            var headers = HTTPFields()
            headers[HTTPField.Name("x-method")!] = request.method.rawValue
            headers[HTTPField.Name("x-token")!] = request.headers[HTTPField.Name("x-token")!] ?? "none"
            headers.append(HTTPField(name: HTTPField.Name("x-twice")!, value: "1"))
            headers.append(HTTPField(name: HTTPField.Name("x-twice")!, value: "2"))
            return Response(status: .created, headers: headers, body: .init(byteBuffer: body))
        }
        router.get("/status/{code}") { _, context in
            Response(status: .init(code: Int(context.parameters.get("code") ?? "") ?? 500))
        }
        router.get("/redirect") { _, _ in
            Response(status: .found, headers: [.location: "http://example.invalid/elsewhere"])
        }
        router.get("/bytes/{count}") { _, context in
            let count = Int(context.parameters.get("count") ?? "") ?? 0
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(repeating: UInt8(ascii: "z"), count: count)))
        }
        router.get("/binary") { _, _ in
            Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: [0, 255, 10, 13, 128])))
        }
        router.get("/slow") { _, _ in
            let deadline = ContinuousClock.now + .seconds(150)
            while !gate.open.withLock({ $0 }), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            return "late"
        }
        return router
    }

    /// Runs `body` with the app listening; answers its port.
    static func serving(_ body: (Int, Gate) async throws -> Void) async throws {
        let gate = Gate()
        let (ports, found) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "fetch-test")
        logger.logLevel = .critical
        let app = Application(router: router(gate: gate), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { found.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let server = Task { try await app.runService(gracefulShutdownSignals: []) }
        defer {
            gate.open.withLock { $0 = true }
            server.cancel()
        }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        try await body(port, gate)
    }

    /// Runs `body` (Lua returning a string, which may wait for fetches) as
    /// the script's main code; answers what it returned or the error it raised.
    static func run(_ body: String, grants: Grants, memoryBytes: Int = 64 << 20) async throws -> String {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            local function run()
            \(body)
            end
            local text = gz.Text("waiting")
            text:show()
            local ok, value = pcall(run)
            text:text("answer: " .. tostring(value))
            """, limits: SessionLimits(memoryBytes: memoryBytes, grants: grants))
        #expect(harness.boot.error == nil)
        var seen = try await harness.hello()
        if !seen.contains(where: { Self.text(of: $0)?.hasPrefix("answer: ") == true }) {
            seen = try await harness.waitFor(seconds: 90) { $0.contains { Self.text(of: $0)?.hasPrefix("answer: ") == true } }
        }
        await harness.vm.close()
        let answers = seen.compactMap { Self.text(of: $0) }.filter { $0.hasPrefix("answer: ") }
        let answer = try #require(answers.last)
        return String(answer.dropFirst("answer: ".count))
    }

    /// The text a command shows: a text change, or the text of a render
    /// (what happened before the page joined is in its first render).
    static func text(of command: Command) -> String? {
        command.string("v") ?? (command["node"] as? [String: Any])?["text"] as? String
    }

    static func granted(_ port: Int) -> Grants { Grants(net: [.init(host: "127.0.0.1", port: port)]) }

    @Test func getAnswersStatusHeadersAndBody() async throws {
        try await Self.serving { port, _ async throws in
            #expect(try await Self.run("""
                local r = gz.fetch("http://127.0.0.1:\(port)/hello")
                return r.status .. " " .. r.body .. " " .. r.headers["content-length"]
                """, grants: Self.granted(port)) == "200 hello 5")
        }
    }

    @Test func postSendsTheMethodTheBodyAndTheHeaders() async throws {
        try await Self.serving { port, _ async throws in
            #expect(try await Self.run("""
                local r = gz.fetch("http://127.0.0.1:\(port)/echo", {method = "POST", body = "ping",
                    headers = {["X-Token"] = "abc", ["Content-Type"] = "text/plain"}})
                return r.status .. " " .. r.body .. " " .. r.headers["x-method"] .. " " .. r.headers["x-token"]
                    .. " " .. r.headers["x-twice"]
                """, grants: Self.granted(port)) == "201 ping POST abc 1, 2")
        }
    }

    @Test func statusCodesAndBinaryBodiesComeAsTheyAre() async throws {
        try await Self.serving { port, _ async throws in
            #expect(try await Self.run("""
                local a = gz.fetch("http://127.0.0.1:\(port)/status/404")
                local b = gz.fetch("http://127.0.0.1:\(port)/status/503")
                local c = gz.fetch("http://127.0.0.1:\(port)/binary")
                return a.status .. " " .. b.status .. " " .. #c.body .. " " .. c.body:byte(2) .. " " .. c.body:byte(5)
                """, grants: Self.granted(port)) == "404 503 5 255 128")
        }
    }

    @Test func aRedirectIsReturnedNotFollowed() async throws {
        try await Self.serving { port, _ async throws in
            #expect(try await Self.run("""
                local r = gz.fetch("http://127.0.0.1:\(port)/redirect")
                return r.status .. " " .. r.headers.location
                """, grants: Self.granted(port)) == "302 http://example.invalid/elsewhere")
        }
    }

    @Test func noAnswerWithinTheTimeoutIsNilAndAMessage() async throws {
        try await Self.serving { port, _ async throws in
            #expect(try await Self.run("""
                local r, problem = gz.fetch("http://127.0.0.1:\(port)/slow", {timeout = 0.5})
                return tostring(r) .. " " .. problem
                """, grants: Self.granted(port)) == "nil gz.fetch: http://127.0.0.1:\(port)/slow did not answer within 0.5 s")
        }
    }

    @Test func aBodyLargerThanTheCapOrTheBudgetIsNilAndAMessage() async throws {
        try await Self.serving { port, _ async throws in
            #expect(try await Self.run("""
                local r, problem = gz.fetch("http://127.0.0.1:\(port)/bytes/\((16 << 20) + 1)")
                return tostring(r) .. " " .. problem
                """, grants: Self.granted(port))
                == "nil gz.fetch: the answer's body is larger than 16 MiB, the most gz.fetch reads")
            let small = try await Self.run("""
                local r, problem = gz.fetch("http://127.0.0.1:\(port)/bytes/\(10 << 20)")
                return tostring(r) .. " " .. problem
                """, grants: Self.granted(port), memoryBytes: 8 << 20)
            #expect(small.hasPrefix("nil gz.fetch: the answer's body is larger than "))
            #expect(small.hasSuffix(", the room left in this state's memory budget of 8 MiB"))
            // Just under the cap is read.
            #expect(try await Self.run("""
                return #gz.fetch("http://127.0.0.1:\(port)/bytes/\(1 << 20)").body
                """, grants: Self.granted(port)) == "\(1 << 20)")
        }
    }

    @Test func aHostThatDoesNotAnswerIsNilAndAMessage() async throws {
        // Port 1 on loopback: nothing listens there (it would need root).
        let answer = try await Self.run("""
            local r, problem = gz.fetch("http://127.0.0.1:1/")
            return tostring(r) .. " " .. problem
            """, grants: Grants(net: [.init(host: "127.0.0.1")]))
        #expect(answer == "nil gz.fetch: http://127.0.0.1:1/ could not be fetched: Connection refused")
    }

    @Test func aHostOrPortNotGrantedIsRefusedAtTheScriptsLine() async throws {
        try await Self.serving { port, _ async throws in
            let body = #"local v = gz.fetch("http://127.0.0.1:\#(port)/hello") return v"#
            let refusal = "test.lua:3: gz.fetch: reaching \"127.0.0.1:\(port)\" is not allowed; "
                + "start gizmolua with --allow-net=127.0.0.1:\(port)"
            #expect(try await Self.run(body, grants: .none) == refusal)
            #expect(try await Self.run(body, grants: Grants(net: [.init(host: "127.0.0.1", port: port + 1)])) == refusal)
            #expect(try await Self.run(body, grants: Grants(net: [.init(host: "localhost")])) == refusal)
            // The effective port of a URL without one is the scheme's.
            #expect(try await Self.run(#"local v = gz.fetch("https://example.invalid/") return v"#, grants: Grants(net: [.init(host: "example.invalid", port: 80)]))
                == "test.lua:3: gz.fetch: reaching \"example.invalid:443\" is not allowed; start gizmolua with --allow-net=example.invalid:443")
            #expect(try await Self.run(#"return gz.fetch("http://127.0.0.1:\#(port)/hello").body"#, grants: Grants(net: [.init(host: "127.0.0.1")])) == "hello")
            #expect(try await Self.run(#"return gz.fetch("http://127.0.0.1:\#(port)/hello").body"#, grants: .everything) == "hello")
        }
    }

    @Test func badArgumentsAreRaisedAtTheScriptsLine() async throws {
        let grants = Grants.everything
        func raised(_ call: String) async throws -> String {
            try await Self.run("local v = " + call + " return v", grants: grants)
        }
        #expect(try await raised(#"gz.fetch("ftp://127.0.0.1/")"#)
            == #"test.lua:3: gz.fetch: only http and https URLs can be fetched, not "ftp:""#)
        #expect(try await raised(#"gz.fetch("http://127.0.0.1/a b")"#)
            == #"test.lua:3: gz.fetch: "http://127.0.0.1/a b" is not a URL (write it as http://host:port/path, without spaces)"#)
        #expect(try await raised(#"gz.fetch("http://127.0.0.1/", {method = "GE T"})"#)
            == #"test.lua:3: gz.fetch: the method must be a word of letters (GET, POST, ...), not "GE T""#)
        #expect(try await raised(#"gz.fetch("http://127.0.0.1/", {headers = {["X-A"] = "1\r\nX-B: 2"}})"#)
            == "test.lua:3: gz.fetch: the X-A header holds a line break, a colon in its name or a NUL")
        #expect(try await raised(#"gz.fetch("http://127.0.0.1/", {headers = {["Content-Length"] = "0"}})"#)
            == "test.lua:3: gz.fetch: the Content-Length header is the HTTP client's to write, not the script's")
        #expect(try await raised(#"gz.fetch("http://127.0.0.1/", {headers = {["Bad Name"] = "x"}})"#)
            == #"test.lua:3: gz.fetch: "Bad Name" is not a header name (letters, digits and !#$%&'*+-.^_`|~)"#)
        #expect(try await raised(#"gz.fetch("http://127.0.0.1/", {timeout = 301})"#)
            == "test.lua:3: gz.fetch: the timeout must be a number of seconds above 0 and at most 300")
        #expect(try await raised(#"gz.fetch("http://127.0.0.1/", {body = string.rep("x", 16 * 1048576 + 1)})"#)
            == "test.lua:3: gz.fetch: the body holds more than 16 MiB")
        #expect(try await raised(#"gz.fetch(42)"#) == "test.lua:3: gz.fetch: argument #1 must be a URL (a string), not number")
    }

    /// Sixteen fetches wait; the seventeenth is refused; all sixteen answer
    /// once the server lets them go.
    @Test func atMostSixteenFetchesAreInFlight() async throws {
        try await Self.serving { port, gate async throws in
            let harness = try await VMHarness("""
                local gz = require("gizmo")
                local text = gz.Text("")
                text:show()
                local answered, refused = 0, nil
                for i = 1, 17 do
                    gz.after(0, function()
                        local ok, r = pcall(gz.fetch, "http://127.0.0.1:\(port)/slow")
                        if not ok then refused = r else answered = answered + 1 end
                        text:text(answered .. " " .. tostring(refused))
                    end)
                end
                """, limits: SessionLimits(grants: Self.granted(port)))
            let first = try await harness.hello()
            let refusal = "gz.fetch: this state already has 16 fetches in flight, the most it may; wait for one to answer"
            if !first.contains(where: { Self.text(of: $0) == "0 \(refusal)" }) {
                _ = try await harness.waitFor(seconds: 60) { $0.contains { Self.text(of: $0) == "0 \(refusal)" } }
            }
            #expect(await harness.vm.fetches?.inFlight == 16)
            gate.open.withLock { $0 = true }
            let seen = try await harness.waitFor(seconds: 90) { $0.contains { Self.text(of: $0) == "16 \(refusal)" } }
            #expect(seen.contains { Self.text(of: $0) == "16 \(refusal)" })
            await harness.vm.close()
        }
    }

    @Test func closingTheStateCancelsItsFetches() async throws {
        try await Self.serving { port, _ async throws in
            let harness = try await VMHarness("""
                local gz = require("gizmo")
                gz.fetch("http://127.0.0.1:\(port)/slow")
                """, limits: SessionLimits(grants: Self.granted(port)))
            #expect(await harness.vm.fetches?.inFlight == 1)
            await harness.vm.close()
            #expect(await harness.vm.fetches?.inFlight == 0)
        }
    }
}
