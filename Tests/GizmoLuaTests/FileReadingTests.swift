import Foundation
import GizmoGrants
import GizmoLua
import GizmoTestFixtures
import Testing

/// `gz.read_file` with offset and size, and `gz.stat`, as scripts use them:
/// inside the script's folder without a grant, outside only with
/// `--allow-read`, each refusal with its message at the script's line.
struct FileReadingTests {
    let folder = TemporaryFolder()
    var module: URL { folder.url.appendingPathComponent("mod") }
    var outside: String { folder.url.appendingPathComponent("outside").path }

    init() {
        folder.write("mod/notes.txt", "0123456789")
        folder.write("mod/sub/deep.txt", "deep")
        folder.write("outside/secret.txt", "secret text")
    }

    /// Runs `body` (Lua returning a string) in the script's main code and
    /// answers what it returned, or the error it raised.
    func run(_ body: String, grants: Grants = .none) async throws -> String {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            local function run()
            \(body)
            end
            local ok, value = pcall(run)
            gz.Text(tostring(value)):show()
            """, limits: SessionLimits(grants: grants), file: "test.lua", directory: module)
        #expect(harness.boot.error == nil)
        let render = try await harness.hello()
        let node = try #require(render.first { $0.op == "render" }?["node"] as? [String: Any])
        return try #require(node["text"] as? String)
    }

    // MARK: read_file

    @Test func offsetAndSizeReadAPartAndPastTheEndGivesWhatThereIs() async throws {
        #expect(try await run(#"return gz.read_file("notes.txt", {offset = 3, size = 4})"#) == "3456")
        #expect(try await run(#"return gz.read_file("notes.txt", {offset = 8, size = 100})"#) == "89")
        #expect(try await run(#"return "[" .. gz.read_file("notes.txt", {offset = 50, size = 10}) .. "]""#) == "[]")
        #expect(try await run(#"return gz.read_file("notes.txt", {offset = 4})"#) == "456789")
        #expect(try await run(#"return gz.read_file("notes.txt", {size = 2})"#) == "01")
        #expect(try await run(#"return gz.read_file("notes.txt")"#) == "0123456789")
    }

    @Test func offsetAndSizeAreCheckedAtTheScriptsLine() async throws {
        #expect(try await run(#"local v = gz.read_file("notes.txt", {offset = -1}) return v"#)
            == "test.lua:3: gz.read_file: offset must be a whole number from 0 to 4611686018427387904, not -1")
        #expect(try await run(#"local v = gz.read_file("notes.txt", {size = 1.5}) return v"#)
            == "test.lua:3: gz.read_file: size must be a whole number from 0 to 16777216, not 1.5")
        #expect(try await run(#"local v = gz.read_file("notes.txt", {size = 16777217}) return v"#)
            == "test.lua:3: gz.read_file: size must be a whole number from 0 to 16777216, not 16777217")
        #expect(try await run(#"local v = gz.read_file("notes.txt", 3) return v"#)
            == "test.lua:3: gz.read_file: argument #2 must be a table of options {offset =, size =}")
    }

    /// A part of a file larger than read_file reads whole: what offsets are for.
    @Test func aPartOfALargeFileIsRead() async throws {
        let big = String(repeating: "x", count: 17 << 20) + "END"
        folder.write("mod/big.log", big)
        #expect(try await run(#"return select(2, gz.read_file("big.log")) or "read""#).contains("holds 17.0 MiB"))
        #expect(try await run(#"return gz.read_file("big.log", {offset = 17 * 1048576, size = 10})"#) == "END")
    }

    @Test func aFileOutsideNamesTheFlagAndAGrantReadsIt() async throws {
        let secret = "\(outside)/secret.txt"
        #expect(try await run(#"return select(2, gz.read_file("../outside/secret.txt"))"#)
            == "gz.read_file: ../outside/secret.txt is outside the data folder and the script's folder; "
            + "start gizmolua with --allow-read=\(secret) to read it")
        #expect(try await run(#"return gz.read_file("../outside/secret.txt")"#, grants: Grants(read: [outside]))
            == "secret text")
        #expect(try await run(#"return gz.read_file("\#(secret)", {offset = 7, size = 4})"#, grants: Grants(read: [secret]))
            == "text")
        #expect(try await run(#"return gz.read_file("\#(secret)")"#, grants: .everything) == "secret text")
        // A grant of one file is not a grant of its neighbours.
        folder.write("outside/other.txt", "other")
        #expect(try await run(#"return select(2, gz.read_file("../outside/other.txt"))"#, grants: Grants(read: [secret]))
            .hasSuffix("start gizmolua with --allow-read=\(outside)/other.txt to read it"))
    }

    /// A link in the script's folder to a file outside is judged where it leads.
    @Test func aLinkOutNeedsTheGrantOfWhereItLeads() async throws {
        folder.link("mod/secret-link.txt", to: "\(outside)/secret.txt")
        #expect(try await run(#"return select(2, gz.read_file("secret-link.txt"))"#)
            == "gz.read_file: secret-link.txt is outside the data folder and the script's folder; "
            + "start gizmolua with --allow-read=\(outside)/secret.txt to read it")
        #expect(try await run(#"return gz.read_file("secret-link.txt")"#, grants: Grants(read: [outside])) == "secret text")
    }

    // MARK: stat

    @Test func statAnswersSizeTimeAndKind() async throws {
        let before = Date().timeIntervalSince1970 - 3600
        let shown = try await run("""
            local s = gz.stat("notes.txt")
            local f = gz.stat("sub")
            return s.kind .. " " .. s.size .. " " .. tostring(s.mtime > \(before)) .. " " .. math.type(s.mtime) .. " " .. f.kind
            """)
        #expect(shown == "file 10 true float folder")
        #expect(try await run(#"return select(2, gz.stat("missing.txt"))"#) == "gz.stat: no file or folder missing.txt")
        #expect(try await run(#"return tostring(gz.stat("missing.txt"))"#) == "nil")
    }

    @Test func statOutsideIsRefusedWithTheFlagAndAGrantAnswers() async throws {
        #expect(try await run(#"local v = gz.stat("../outside/secret.txt") return v"#)
            == "test.lua:3: gz.stat: reading \"\(outside)/secret.txt\" is not allowed; start gizmolua with --allow-read=\(outside)/secret.txt")
        // Whether a file exists outside the grants is not told either.
        #expect(try await run(#"local v = gz.stat("../outside/none.txt") return v"#)
            == "test.lua:3: gz.stat: reading \"\(outside)/none.txt\" is not allowed; start gizmolua with --allow-read=\(outside)/none.txt")
        #expect(try await run(#"return gz.stat("../outside/secret.txt").size"#, grants: Grants(read: [outside])) == "11")
        #expect(try await run(#"return gz.stat("\#(outside)").kind"#, grants: Grants(read: [outside])) == "folder")
        #expect(try await run(#"return gz.stat("/dev/null").kind"#, grants: Grants(read: ["/dev"])) == "other")
        #expect(try await run(#"local v = gz.stat("") return v"#)
            == "test.lua:3: gz.stat: argument #1 must be a path (a non-empty string), not an empty string")
    }
}
