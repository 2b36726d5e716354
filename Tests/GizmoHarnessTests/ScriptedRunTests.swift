@testable import GizmoHarness
import GizmoProcess
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The life of a scripted run alone: which actions each event asks for.
struct ScriptedRunTests {
    typealias Line = ProgramScript.Line

    func out(_ text: String) -> ScriptedRun.Action { .print(Line(stream: .stdout, text: text)) }

    @Test func withoutEveryItPrintsEveryLineAtTheStartThenEnds() throws {
        var run = ScriptedRun(script: try ProgramScript(lines: ["a", "b"], stderr: ["e"], exit: 2), takesInput: false)
        #expect(run.start() == [out("a"), out("b"), .print(Line(stream: .stderr, text: "e")), .cancelTimer,
                                .finish(.exited(2))])
        #expect(!run.isRunning)
        #expect(run.signal(SIGTERM).sent == false)
    }

    @Test func withEveryEachLineWaitsForItsTimer() throws {
        var run = ScriptedRun(script: try ProgramScript(lines: ["a", "b"], every: 3), takesInput: false)
        #expect(run.start() == [.setTimer(after: 3)])
        #expect(run.timerDue() == [out("a"), .setTimer(after: 3)])
        #expect(run.timerDue() == [out("b"), .cancelTimer, .finish(.exited(0))])
        #expect(run.timerDue() == [])
    }

    @Test func aHeldScriptWithNoLinesRunsUntilSignalled() throws {
        var run = ScriptedRun(script: try ProgramScript(hold: true), takesInput: false)
        #expect(run.start() == [])
        #expect(run.signal(SIGUSR1).actions == [.cancelTimer, .finish(.signaled(SIGUSR1))])
    }

    @Test func anEmptyScriptWithEveryEndsAtOnce() throws {
        var run = ScriptedRun(script: try ProgramScript(every: 1), takesInput: false)
        #expect(run.start() == [.cancelTimer, .finish(.exited(0))])
    }

    @Test func aStoppedRunHoldsItsDueLineAndItsSignalsUntilCont() throws {
        var run = ScriptedRun(script: try ProgramScript(lines: ["a", "b"], every: 1), takesInput: false)
        _ = run.start()
        #expect(run.signal(SIGSTOP).actions == [])
        #expect(run.timerDue() == [])
        #expect(run.phase == .stopped(due: true))
        #expect(run.signal(SIGHUP).actions == [])
        #expect(run.isRunning)
        #expect(run.signal(SIGCONT).actions == [.cancelTimer, .finish(.signaled(SIGHUP))])
        #expect(run.signals == [SIGSTOP, SIGHUP, SIGCONT])
    }

    @Test func contPrintsTheLineThatCameDueWhileStopped() throws {
        var run = ScriptedRun(script: try ProgramScript(lines: ["a", "b"], every: 1), takesInput: false)
        _ = run.start()
        _ = run.signal(SIGSTOP)
        #expect(run.signal(SIGCONT).actions == [])  // nothing came due: the timer still runs
        _ = run.signal(SIGSTOP)
        _ = run.timerDue()
        #expect(run.signal(SIGCONT).actions == [out("a"), .setTimer(after: 1)])
    }

    @Test func killEndsEvenAStoppedRunThatIgnoresTerm() throws {
        var run = ScriptedRun(script: try ProgramScript(hold: true, ignores: ["TERM", "INT"]), takesInput: false)
        _ = run.start()
        #expect(run.signal(SIGTERM).actions == [])
        #expect(run.signal(SIGINT).actions == [])
        _ = run.signal(SIGSTOP)
        #expect(run.signal(SIGKILL).actions == [.cancelTimer, .finish(.signaled(SIGKILL))])
    }

    @Test func theTestMayPrintAndEndButNotOnAStoppedOrEndedRun() throws {
        var run = ScriptedRun(script: try ProgramScript(hold: true), takesInput: false)
        _ = run.start()
        #expect(try run.emit(Line(stream: .stderr, text: "x")) == [.print(Line(stream: .stderr, text: "x"))])
        _ = run.signal(SIGSTOP)
        #expect(throws: ProgramScriptProblem("it is stopped (STOP), and a stopped program prints nothing until CONT")) {
            try run.emit(Line(stream: .stdout, text: "y"))
        }
        #expect(try run.end(code: 4) == [.cancelTimer, .finish(.exited(4))])
        #expect(throws: ProgramScriptProblem("it has ended (exit code 4)")) { try run.end(code: 0) }
    }

    @Test func inputIsKeptOnlyWhileOpen() throws {
        var run = ScriptedRun(script: try ProgramScript(hold: true), takesInput: true)
        #expect(run.write([1, 2]) == .queued)
        run.closeInput()
        #expect(run.write([3]) == .closed)
        #expect(run.input == [1, 2])
        var flooded = ScriptedRun(script: try ProgramScript(hold: true), takesInput: true)
        for _ in 0..<3 { #expect(flooded.write([UInt8](repeating: 7, count: 600_000)) == .queued) }
        #expect(flooded.input.count == ScriptedRun.maxKeptInput)
        #expect(flooded.inputCount == 1_800_000)
        var closed = ScriptedRun(script: try ProgramScript(hold: true), takesInput: false)
        #expect(closed.write([1]) == .closed)
    }

    @Test func aScriptThatNoRealProgramCouldRunIsRefused() {
        let cases: [(() throws(ProgramScriptProblem) -> ProgramScript, String)] = [
            ({ () throws(ProgramScriptProblem) in try ProgramScript(lines: ["ok", "a\nb"]) },
             "lines[2] holds a line break; give each line as an item of its own"),
            ({ () throws(ProgramScriptProblem) in try ProgramScript(stderr: ["a\r\nb"]) },
             "stderr[1] holds a line break; give each line as an item of its own"),
            ({ () throws(ProgramScriptProblem) in try ProgramScript(lines: [String(repeating: "x", count: 65537)]) },
             "lines[1] is longer than 64 KiB, where a real program's line is cut in pieces; give shorter lines"),
            ({ () throws(ProgramScriptProblem) in try ProgramScript(exit: 256) }, "exit must be a code from 0 to 255, not 256"),
            ({ () throws(ProgramScriptProblem) in try ProgramScript(every: -1) },
             "every must be a number of seconds from 0 to 31536000 (a year)"),
            ({ () throws(ProgramScriptProblem) in try ProgramScript(every: .nan) },
             "every must be a number of seconds from 0 to 31536000 (a year)"),
            ({ () throws(ProgramScriptProblem) in try ProgramScript(ignores: ["KILL"]) },
             #"ignores: "KILL" is not a signal a program can ignore; give "TERM", "INT", "HUP", "USR1" or "USR2" (KILL, STOP and CONT cannot be ignored)"#),
            ({ () throws(ProgramScriptProblem) in try ProgramScript(ignores: ["SIGTERM"]) },
             #"ignores: "SIGTERM" is not a signal a program can ignore; give "TERM", "INT", "HUP", "USR1" or "USR2" (KILL, STOP and CONT cannot be ignored)"#),
        ]
        for (make, message) in cases {
            #expect(throws: ProgramScriptProblem(message)) { _ = try make() }
        }
        #expect(throws: Never.self) { _ = try ProgramScript(every: 0) }
    }
}
