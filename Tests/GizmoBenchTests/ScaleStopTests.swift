import Foundation
import NIOCore
import Testing
@testable import gizmobench

/// Naming the limit behind a failed session open.
struct ScaleStopTests {
    @Test func errnoNamesTheLimit() {
        #expect(ScaleStop.limit(in: IOError(errnoCode: EMFILE, reason: "socket")) == .clientFiles(limit: FileLimit.current.soft))
        #expect(ScaleStop.limit(in: IOError(errnoCode: ENFILE, reason: "socket")) == .systemFiles)
        #expect(ScaleStop.limit(in: IOError(errnoCode: EADDRNOTAVAIL, reason: "connect")) == .ports)
        #expect(ScaleStop.limit(in: IOError(errnoCode: ECONNREFUSED, reason: "connect")) == nil)
        #expect(ScaleStop.limit(in: BenchError("the WebSocket closed")) == nil)
    }

    @Test func errnoSaidInAnotherErrorsWords() {
        struct Wrapped: Error, CustomStringConvertible {
            var description: String
        }
        #expect(ScaleStop.errnoCode(of: Wrapped(description: "connect failed: Too many open files (errno: 24)")) == EMFILE)
        #expect(ScaleStop.errnoCode(of: Wrapped(description: "the pool gave up")) == nil)
    }

    @Test func everyStopSaysWhatToDo() {
        let stops: [ScaleStop] = [.target, .memoryFloor(availableKiB: 3 << 20, floorKiB: 4 << 20), .clientFiles(limit: 20_000),
                                  .systemFiles, .ports, .serverFiles(open: 19_990, limit: 20_000), .serverMaxSessions,
                                  .upgradeRefused("404"), .serverExited("killed"), .failed("why")]
        for stop in stops {
            #expect(!stop.limit.isEmpty)
            #expect(!stop.explanation.isEmpty)
        }
        #expect(ScaleStop.serverFiles(open: 19_990, limit: 20_000).explanation.contains("ulimit -n"))
        #expect(ScaleStop.memoryFloor(availableKiB: 3 << 20, floorKiB: 4 << 20).explanation.contains("3072 MiB"))
    }
}
