import Foundation
import Testing
@testable import gizmobench

/// Reading the limits of many sockets from /proc's texts.
struct ProcFSLimitsTests {
    static let meminfo = """
        MemTotal:       24607464 kB
        MemFree:        14859460 kB
        MemAvailable:   22361840 kB
        Buffers:          283536 kB

        """

    static let limits = """
        Limit                     Soft Limit           Hard Limit           Units
        Max cpu time              unlimited            unlimited            seconds
        Max open files            20000                20000                files
        Max locked memory         8388608              8388608              bytes

        """

    @Test func readsAFieldOfMeminfo() {
        #expect(ProcFS.number(after: "MemAvailable", in: Self.meminfo) == 22_361_840)
        #expect(ProcFS.number(after: "MemFree", in: Self.meminfo) == 14_859_460)
        #expect(ProcFS.number(after: "Mem", in: Self.meminfo) == nil)
        #expect(ProcFS.number(after: "SwapTotal", in: Self.meminfo) == nil)
    }

    @Test func readsMaxOpenFiles() {
        #expect(ProcFS.fileLimit(inLimits: Self.limits) == FileLimit(soft: 20_000, hard: 20_000))
        let unlimited = Self.limits.replacingOccurrences(of: "20000                20000", with: "1024                 unlimited")
        #expect(ProcFS.fileLimit(inLimits: unlimited) == FileLimit(soft: 1024, hard: .max))
        #expect(ProcFS.fileLimit(inLimits: "Max open files  many  files\n") == nil)
        #expect(ProcFS.fileLimit(inLimits: "") == nil)
    }

    @Test func countsTheEphemeralPorts() {
        #expect(ProcFS.ephemeralPorts(inRange: "32768\t60999\n") == 28_232)
        #expect(ProcFS.ephemeralPorts(inRange: "1024 65535") == 64_512)
        #expect(ProcFS.ephemeralPorts(inRange: "60999 32768") == nil)
        #expect(ProcFS.ephemeralPorts(inRange: "32768") == nil)
    }

    @Test func thisProcessIsReadable() throws {
        #expect(try ProcFS.memAvailableKiB() > 0)
        let open = try #require(ProcFS.openFiles(getpid()))
        #expect(open >= 3)
        #expect(ProcFS.fileLimit(getpid()) == FileLimit.current)
    }
}
