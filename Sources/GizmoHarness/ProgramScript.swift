import GizmoProcess

/// What a scripted program does when a gizmo starts it (`t.fake_run`):
/// the lines it prints, how fast, how it ends, and which signals it ignores.
///
/// The values come from a test's Lua, so each is checked here and a
/// problem is thrown in words for the test's author. What a real program
/// could never print (a line break inside a line, a line past the 64 KiB a
/// real line is cut at) is refused, so that what passes here holds with
/// the real program.
struct ProgramScript: Sendable, Equatable {
    /// One line of output, on its stream.
    struct Line: Sendable, Equatable {
        var stream: OutputStream
        var text: String
    }

    /// Every line, in the order printed: the stdout lines, then the stderr
    /// ones (a failing job's traceback comes at its end).
    let output: [Line]
    /// The exit code once the last line is out (unless ``hold``).
    let exitCode: Int32
    /// Simulated seconds between lines: the first comes `every` seconds
    /// after the start, each next one `every` later, and the end with the
    /// last. nil (or 0): every line at the start, and the end right after.
    let every: Double?
    /// Keeps running after the last line, until a signal or the test ends it.
    let hold: Bool
    /// Signals it ignores, of TERM, INT, HUP, USR1, USR2 (KILL, STOP and
    /// CONT cannot be ignored, as on Linux).
    let ignores: Set<Int32>

    /// The most lines one script may hold: a test scripts a handful.
    static let maxLines = 100_000

    init(lines: [String] = [], stderr: [String] = [], exit: Int = 0, every: Double? = nil, hold: Bool = false,
         ignores: [String] = []) throws(ProgramScriptProblem) {
        try self.init(output: lines.map { Line(stream: .stdout, text: $0) } + stderr.map { Line(stream: .stderr, text: $0) },
                      exit: exit, every: every, hold: hold, ignores: ignores)
    }

    /// A script whose stdout and stderr lines interleave in the order given.
    init(output: [Line], exit: Int = 0, every: Double? = nil, hold: Bool = false,
         ignores: [String] = []) throws(ProgramScriptProblem) {
        guard output.count <= Self.maxLines else {
            throw ProgramScriptProblem("\(output.count) lines are more than the \(Self.maxLines) a script may hold")
        }
        var counts: [OutputStream: Int] = [:]
        for line in output {
            counts[line.stream, default: 0] += 1
            let name = "\(line.stream == .stdout ? "lines" : "stderr")[\(counts[line.stream]!)]"
            if line.text.contains(where: { $0 == "\n" || $0 == "\r\n" }) {
                throw ProgramScriptProblem("\(name) holds a line break; give each line as an item of its own")
            }
            if line.text.utf8.count > LineSplitter.maxLineBytes {
                throw ProgramScriptProblem("\(name) is longer than \(LineSplitter.maxLineBytes >> 10) KiB, where a real "
                    + "program's line is cut in pieces; give shorter lines")
            }
        }
        guard (0...255).contains(exit) else {
            throw ProgramScriptProblem("exit must be a code from 0 to 255, not \(exit)")
        }
        if let every {
            guard every.isFinite, every >= 0, every <= Self.maxSeconds else {
                throw ProgramScriptProblem("every must be a number of seconds from 0 to \(Int(Self.maxSeconds)) (a year)")
            }
        }
        var numbers: Set<Int32> = []
        for name in ignores {
            guard let number = ProcessSignal.sendable[name], !Self.unignorable.contains(name) else {
                throw ProgramScriptProblem("ignores: \"\(String(name.prefix(32)))\" is not a signal a program can ignore; "
                    + "give \"TERM\", \"INT\", \"HUP\", \"USR1\" or \"USR2\" (KILL, STOP and CONT cannot be ignored)")
            }
            numbers.insert(number)
        }
        self.output = output
        self.exitCode = Int32(exit)
        self.every = every == 0 ? nil : every
        self.hold = hold
        self.ignores = numbers
    }

    /// The longest a timer of a state may be set for (gz.after's own bound).
    static let maxSeconds = 31_536_000.0
    private static let unignorable: Set<String> = ["KILL", "STOP", "CONT"]
}

/// Why a program script, or an action on a scripted program, was refused:
/// in words for the test's author (the harness adds where).
struct ProgramScriptProblem: Error, Equatable, Sendable {
    var message: String
    init(_ message: String) { self.message = message }
}
