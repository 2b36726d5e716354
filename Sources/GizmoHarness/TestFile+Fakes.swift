import Foundation
import GizmoLua

/// `t.fake_run` and the handle it answers (test.lua): the test's side of
/// ``ProgramScripts``.
extension TestFile {
    /// `fake_run(program, script_json)`: answers the handle's number.
    func fakeRun(_ call: LuaCall) -> LuaCall.Outcome {
        guard let world, let program = call.string(at: 1) else { return call.failure("t.fake_run: the test has ended") }
        guard !program.isEmpty else { return call.failure("t.fake_run: name the program the script starts") }
        let options = Self.object(call.string(at: 2)) ?? [:]
        let known: Set = ["lines", "stderr", "exit", "every", "hold", "ignore_term", "ignores"]
        if let unknown = options.keys.sorted().first(where: { !known.contains($0) }) {
            return call.failure("t.fake_run: unknown option \(unknown); the options are \(known.sorted().joined(separator: ", "))")
        }
        /// A list of strings (none when absent); nil when it holds anything else.
        func strings(_ key: String) -> [String]? {
            guard let value = options[key] else { return [] }
            return value as? [String]
        }
        guard let lines = strings("lines"), let stderr = strings("stderr"), var ignores = strings("ignores") else {
            return call.failure("t.fake_run: lines, stderr and ignores must be lists of strings")
        }
        if (options["ignore_term"] as? Bool) == true { ignores.append("TERM") }
        let exit = options["exit"].map { ($0 as? NSNumber)?.doubleValue ?? .nan } ?? 0
        guard exit == exit.rounded(), let code = Int(exactly: exit) else {
            return call.failure("t.fake_run: exit must be a whole number (an exit code, 0 to 255)")
        }
        let every = (options["every"] as? NSNumber)?.doubleValue
        let hold = (options["hold"] as? Bool) ?? false
        do {
            let script = try ProgramScript(lines: lines, stderr: stderr, exit: code, every: every, hold: hold, ignores: ignores)
            fakes.append(world.programs.script(program, script))
        } catch {
            return call.failure("t.fake_run: \(error.message)")
        }
        call.push(fakes.count)
        return .returning(1)
    }

    /// `fake(number, op, argument)`: what the handle's methods ask.
    func fake(_ call: LuaCall) -> LuaCall.Outcome {
        guard let number = call.integer(at: 1), number >= 1, number <= fakes.count, let world else {
            return call.failure("no such scripted program: this test has ended")
        }
        let fake = fakes[number - 1]
        let latest = fake.latest
        switch call.string(at: 2) {
        case "starts":
            call.push(fake.runs.count)
        case "args":
            call.push(JSONText.array(latest?.argv ?? []))
        case "running":
            call.push(latest?.isRunning ?? false)
        case "signals":
            call.push(JSONText.array(latest?.signalNames ?? []))
        case "input":
            call.push(String(decoding: latest?.input ?? [], as: UTF8.self))
        case let operation?:
            do throws(ProgramScriptProblem) {
                switch operation {
                case "line": try fake.emit(call.string(at: 3) ?? "")
                case "stderr": try fake.emit(call.string(at: 3) ?? "", on: .stderr)
                default: try fake.end(code: call.integer(at: 3) ?? 0)
                }
            } catch {
                return call.failure("\(fake.program): \(error.message)")
            }
            Self.wait { await world.settle() }
            return .returning(0)
        case nil:
            return .returning(0)
        }
        return .returning(1)
    }
}
