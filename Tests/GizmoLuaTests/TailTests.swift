import Foundation
import GizmoGrants
@testable import GizmoLua
import GizmoTestFixtures
import Logging
import Synchronization
import Testing

/// `gz.tail` on real files: lines appended, from the start, truncation,
/// rotation by rename, a file made late, cancel, refusals, and a huge file
/// read with backpressure. Every wait is for the lines to arrive, with a
/// generous deadline.
@Suite(.timeLimit(.minutes(3)))
struct TailTests {
    let folder = TemporaryFolder()
    var module: URL { folder.url.appendingPathComponent("mod") }
    var logs: URL { folder.url.appendingPathComponent("logs") }

    init() {
        folder.write("mod/placeholder.txt", "")
        try! FileManager.default.createDirectory(at: folder.url.appendingPathComponent("logs"), withIntermediateDirectories: true)
    }

    func append(_ name: String, _ text: String) throws {
        let url = logs.appendingPathComponent(name)
        if !FileManager.default.fileExists(atPath: url.path) { FileManager.default.createFile(atPath: url.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    /// A state that follows `name` in the logs folder and shows every line
    /// it got, joined by `|`; `extra` runs after each line (`t` is the
    /// tail). Also answers the text the page's first render showed.
    func following(_ name: String, from: String = "end", extra: String = "",
                   grants: Grants? = nil) async throws -> (VMHarness, String?) {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            local lines = {}
            local text = gz.Text("")
            local t
            t = gz.tail("../logs/\(name)", {from = "\(from)", on_line = function(line)
                lines[#lines + 1] = line
                text:text(table.concat(lines, "|"))
                \(extra)
            end})
            text:show()
            """, limits: SessionLimits(grants: grants ?? Grants(read: [logs.path])), directory: module)
        #expect(harness.boot.error == nil)
        let render = try await harness.hello()
        let first = render.compactMap { ($0["node"] as? [String: Any])?["text"] as? String }.last
        return (harness, first)
    }

    /// Waits for the text to become `expected`: a text command, or a
    /// render (lines may come before the page joins, and be in its render).
    func waitForText(_ harness: VMHarness, _ expected: String, first: String? = nil) async throws {
        if first == expected { return }
        func shows(_ command: Command) -> Bool {
            command.string("v") == expected || (command["node"] as? [String: Any])?["text"] as? String == expected
        }
        let seen = try await harness.waitFor(seconds: 60) { $0.contains(where: shows) }
        #expect(seen.contains(where: shows))
    }

    @Test func linesAppendedAfterTheStartArriveInOrder() async throws {
        try append("app.log", "old line\n")
        let (harness, first) = try await following("app.log")
        try append("app.log", "first\nsecond\n")
        try append("app.log", "thi")
        try append("app.log", "rd\r\n")
        try await waitForText(harness, "first|second|third", first: first)
        await harness.vm.close()
    }

    @Test func fromStartReadsWhatIsThereFirst() async throws {
        try append("app.log", "one\ntwo\n")
        let (harness, first) = try await following("app.log", from: "start")
        try await waitForText(harness, "one|two", first: first)
        try append("app.log", "three\n")
        try await waitForText(harness, "one|two|three", first: first)
        await harness.vm.close()
    }

    @Test func aTruncatedFileIsReadAgainFromItsStart() async throws {
        try append("app.log", "aaaa\nbbbb\n")
        let (harness, first) = try await following("app.log", from: "start")
        try await waitForText(harness, "aaaa|bbbb", first: first)
        try Data("c\n".utf8).write(to: logs.appendingPathComponent("app.log")) // truncates, then writes less
        try await waitForText(harness, "aaaa|bbbb|c", first: first)
        await harness.vm.close()
    }

    /// logrotate without copytruncate: the old file is renamed, its writer
    /// finishes a line in it, a new file takes the name.
    @Test func aFileRotatedByRenameIsFinishedThenTheNewOneFollowed() async throws {
        try append("app.log", "a\n")
        let (harness, first) = try await following("app.log", from: "start")
        try await waitForText(harness, "a", first: first)
        try append("app.log", "b\n")
        try FileManager.default.moveItem(at: logs.appendingPathComponent("app.log"), to: logs.appendingPathComponent("app.log.1"))
        try append("app.log.1", "c\n")
        try append("app.log", "d\n")
        try await waitForText(harness, "a|b|c|d", first: first)
        try append("app.log", "e\n")
        try await waitForText(harness, "a|b|c|d|e", first: first)
        await harness.vm.close()
    }

    @Test func aFileThatDoesNotExistYetIsReadFromItsStartWhenItAppears() async throws {
        let (harness, first) = try await following("late.log")
        try append("late.log", "x\ny\n")
        try await waitForText(harness, "x|y", first: first)
        await harness.vm.close()
    }

    @Test func aCancelledTailHearsNothingMore() async throws {
        // Two tails: the second's line, written after the first's, shows the first's never came.
        try append("a.log", "")
        try append("b.log", "")
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            local lines = {}
            local text = gz.Text("")
            local a
            a = gz.tail("../logs/a.log", {on_line = function(line)
                lines[#lines + 1] = "a:" .. line
                text:text(table.concat(lines, "|"))
                a:cancel()
            end})
            gz.tail("../logs/b.log", {on_line = function(line)
                lines[#lines + 1] = "b:" .. line
                text:text(table.concat(lines, "|"))
            end})
            text:show()
            """, limits: SessionLimits(grants: Grants(read: [logs.path])), directory: module)
        try await harness.hello()
        try append("a.log", "1\n")
        try await waitForText(harness, "a:1")
        #expect(await harness.vm.fileTails?.count == 1)
        try append("a.log", "2\n")
        try append("b.log", "3\n")
        try await waitForText(harness, "a:1|b:3")
        await harness.vm.close()
        #expect(await harness.vm.fileTails?.count == 0)
    }

    @Test func refusalsNameTheFlagAndTheProblem() async throws {
        func raised(_ call: String, grants: Grants = .none) async throws -> String? {
            let harness = try await VMHarness("""
                local gz = require("gizmo")
                \(call)
                """, limits: SessionLimits(grants: grants), directory: module)
            await harness.vm.close()
            return harness.boot.error.map { String($0.prefix { $0 != "\n" }) }
        }
        let log = logs.appendingPathComponent("app.log").path
        #expect(try await raised(#"gz.tail("../logs/app.log", {on_line = print})"#)
            == "test.lua:2: gz.tail: reading \"\(log)\" is not allowed; start gizmolua with --allow-read=\(log)")
        #expect(try await raised(#"gz.tail("../nowhere/app.log", {on_line = print})"#, grants: .everything)?
            .hasPrefix("test.lua:2: gz.tail: the folder of ../nowhere/app.log does not exist") == true)
        #expect(try await raised(#"gz.tail("../logs", {on_line = print})"#, grants: .everything)
            == "test.lua:2: gz.tail: ../logs is not a file")
        #expect(try await raised(#"gz.tail("../logs/app.log", {on_line = print, from = "middle"})"#, grants: .everything)
            == "test.lua:2: gz.tail: from must be \"end\" or \"start\", not middle")
        #expect(try await raised(#"gz.tail("../logs/app.log")"#, grants: .everything)
            == "test.lua:2: gz.tail: argument #2 must be a table of options with on_line = function(line) ... end")
        // The script's own folder needs no grant.
        #expect(try await raised(#"gz.tail("own.log", {on_line = print})"#) == nil)
        #expect(try await raised("for i = 1, 65 do gz.tail(\"own\" .. i .. \".log\", {on_line = print}) end")
            == "test.lua:2: gz.tail: this state already follows 64 files, the most it may; cancel a tail first")
    }

    /// 16 MiB from the start: every line arrives, and no more than the
    /// read-ahead ever waits for the state.
    @Test func aHugeFileFromTheStartNeverBuffersPastTheReadAhead() async throws {
        let count = 200_000
        let line = String(repeating: "x", count: 79)
        try Data(String(repeating: line + "\n", count: count).utf8).write(to: logs.appendingPathComponent("huge.log"))
        let counter = try await VMHarness("""
            local gz = require("gizmo")
            local n, bytes = 0, 0
            local text = gz.Text("")
            gz.tail("../logs/huge.log", {from = "start", on_line = function(line)
                n = n + 1
                bytes = bytes + #line
                if n == \(count) then text:text("done " .. n .. " " .. bytes) end
            end})
            text:show()
            """, limits: SessionLimits(grants: Grants(read: [logs.path])), directory: module)
        try await counter.hello()
        try await waitForText(counter, "done \(count) \(count * 79)")
        let highWater = try #require(await counter.vm.fileTails?.follower(1)?.highWater)
        #expect(highWater <= FileFollower.readAhead)
        await counter.vm.close()
    }

    /// A follower whose state takes nothing stops reading at the read-ahead;
    /// each take lets it read on, until the whole file has come.
    @Test func aFollowerStopsAtTheReadAheadUntilLinesAreTaken() async throws {
        let count = 100_000
        let line = String(repeating: "y", count: 99)
        let path = logs.appendingPathComponent("big.log").path
        try Data(String(repeating: line + "\n", count: count).utf8).write(to: URL(fileURLWithPath: path))
        let arrivals = Mutex(0)
        let readable = ReadableFiles(scriptFolder: module, dataFolder: module, grants: Grants(read: [logs.path]))
        let follower = FileFollower(path: path, folder: logs.path, readable: readable, logger: Logger(label: "test")) {
            arrivals.withLock { $0 += 1 }
        }
        try follower.open(fromStart: true)
        follower.wake()
        #expect(try await eventually(seconds: 60) { arrivals.withLock { $0 } > 0 })
        // One pump has run to its stop: the mailbox holds at most the read-ahead.
        #expect(follower.highWater <= FileFollower.readAhead)
        #expect(follower.highWater > FileFollower.readAhead / 2)
        var taken = 0
        let deadline = ContinuousClock.now + .seconds(120)
        while taken < count, ContinuousClock.now < deadline {
            let lines = follower.take(maxBytes: 64 << 10, maxLines: 1000)
            if lines.isEmpty { try await Task.sleep(for: .milliseconds(2)); continue }
            #expect(lines.allSatisfy { $0 == line })
            taken += lines.count
        }
        #expect(taken == count)
        #expect(follower.highWater <= FileFollower.readAhead)
        follower.cancel()
    }
}
