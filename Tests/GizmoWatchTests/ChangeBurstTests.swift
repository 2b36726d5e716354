@testable import GizmoWatch
import Testing

/// How the file watcher turns events into bursts, with made-up times.
struct ChangeBurstTests {
    static let ms: UInt64 = 1_000_000

    func makeBurst() -> ChangeBurst { ChangeBurst(quiet: 25 * Self.ms, longest: 250 * Self.ms) }

    @Test func eventsCloserThanTheQuietTimeAreOneBurst() throws {
        var burst = makeBurst()
        // A rename-over save: a temporary file written, the original deleted, the temporary renamed.
        burst.changed(["/m/.hello.lua.swp"])
        let first = burst.eventsRead(now: 0)
        #expect(first == .init(at: 25 * Self.ms, generation: 1))
        burst.changed(["/m/hello.lua"])
        let secondCheck = burst.eventsRead(now: 10 * Self.ms)
        let second = try #require(secondCheck)
        burst.changed(["/m/hello.lua", "/m/.hello.lua.swp"])
        let thirdCheck = burst.eventsRead(now: 20 * Self.ms)
        let third = try #require(thirdCheck)
        #expect(burst.due(1, now: 25 * Self.ms) == nil)
        #expect(burst.due(second.generation, now: second.at) == nil)
        #expect(burst.due(third.generation, now: third.at) == ["/m/hello.lua", "/m/.hello.lua.swp"])
        #expect(burst.due(third.generation, now: third.at) == nil, "reported once")
        #expect(burst.eventsRead(now: 50 * Self.ms) == nil, "nothing pending")
    }

    @Test func aTreeThatNeverRestsIsReportedAfterTheLongestTime() throws {
        var burst = makeBurst()
        // An event every 10 ms for 400 ms; checks run when their time comes.
        var checks: [ChangeBurst.Check] = []
        var reports: [(at: UInt64, paths: Set<String>)] = []
        for step in 0..<40 {
            let now = UInt64(step) * 10 * Self.ms
            for check in checks where check.at <= now {
                if let paths = burst.due(check.generation, now: now) { reports.append((now, paths)) }
            }
            checks.removeAll { $0.at <= now }
            burst.changed(["/m/log\(step).txt"])
            if let check = burst.eventsRead(now: now) { checks.append(check) }
        }
        let first = try #require(reports.first)
        #expect(first.at == 250 * Self.ms)
        #expect(first.paths.count == 25)  // the events of 0...240 ms
    }

    @Test func aBurstAfterAReportStartsAfresh() throws {
        var burst = makeBurst()
        burst.changed(["/a"])
        let check = burst.eventsRead(now: 0)
        #expect(check != nil)
        #expect(burst.due(1, now: 25 * Self.ms) == ["/a"])
        burst.changed(["/b"])
        let next = burst.eventsRead(now: 1000 * Self.ms)
        #expect(next == .init(at: 1025 * Self.ms, generation: 2))
        #expect(burst.due(2, now: 1025 * Self.ms) == ["/b"])
    }
}
