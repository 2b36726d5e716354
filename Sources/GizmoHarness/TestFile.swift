import Foundation
import GizmoLua
import GizmoStore
import Logging
import Synchronization

/// One test file: its Lua state (running `gizmo.test`, test.lua), the
/// world of the test running now, and the report of each test.
///
/// A file that declares tests (`t.test`) runs each with a fresh world; one
/// that declares none is one test, its whole chunk.
final class TestFile {
    struct Location {
        let url: URL
        let displayPath: String
    }

    let location: Location
    private let limits: SessionLimits
    private let serviceLimits: SessionLimits
    private let storeLimits: StoreLimits
    private let logger: Logger
    private let output: (String) -> Void
    /// The world of the test running now.
    var world: HarnessWorld?
    /// The scripted programs the test running now declared, by number.
    var fakes: [FakeProgram] = []

    init(location: Location, limits: SessionLimits, serviceLimits: SessionLimits, storeLimits: StoreLimits,
         logger: Logger, output: @escaping (String) -> Void) {
        self.storeLimits = storeLimits
        self.location = location
        self.limits = limits
        self.serviceLimits = serviceLimits
        self.logger = logger
        self.output = output
    }

    var folder: URL { location.url.deletingLastPathComponent() }

    /// The chunk name of the test file: messages read `path:line: ...`.
    var chunkName: String { location.displayPath }

    func run(into summary: inout TestRunner.Summary) {
        let lua: LuaState
        let runner: Int32
        do {
            lua = try LuaState(memoryLimit: 0)
            runner = try loadLibrary(into: lua)
        } catch {
            return report(name: "(the test library)", failure: (error.message, nil), into: &summary)
        }
        let source: String
        do {
            source = try String(contentsOf: location.url, encoding: .utf8)
        } catch {
            return report(name: "(reading the file)", failure: ("\(location.displayPath): \(error.localizedDescription)", nil), into: &summary)
        }
        // The chunk runs in the world of a file without t.test calls.
        let fileWorld = startWorld()
        let loaded: (String, Int?)?
        do {
            try lua.load(source: source, chunkName: "@" + chunkName)
            let chunk = lua.ref()
            loaded = call(lua, runner, "load", chunk: chunk)
            lua.unref(chunk)
        } catch {
            loaded = (error.message, nil)
        }
        let count = callCount(lua, runner)
        if count == 0 || loaded != nil {
            let failure = loaded ?? finish(fileWorld)
            if loaded != nil { _ = finish(fileWorld) }
            return report(name: count == 0 ? "(the whole file)" : "(loading the file)", failure: failure, into: &summary)
        }
        _ = finish(fileWorld)
        for index in 1...count {
            let name = callName(lua, runner, index)
            let world = startWorld()
            let failure = call(lua, runner, "run", index: index)
            let afterwards = finish(world)
            report(name: name, failure: failure ?? afterwards, into: &summary)
        }
        lua.unref(runner)
    }

    // MARK: Worlds

    private func startWorld() -> HarnessWorld? {
        fakes = []
        world = try? HarnessWorld(limits: limits, serviceLimits: serviceLimits, storeLimits: storeLimits, logger: logger)
        return world
    }

    /// Ends the test's world; answers the failure it left behind: an error
    /// a page showed that the test never read, or a service's error.
    private func finish(_ world: HarnessWorld?) -> (String, Int?)? {
        guard let world else { return ("the harness could not make a data folder for the test", nil) }
        var problems: [String] = []
        for page in world.pages {
            for error in page.unreadErrors {
                problems.append("page \(page.number) showed: \(error)")
            }
        }
        problems += world.serviceErrors.map { "the module's service failed: \($0)" }
        let pages = world.pages
        let reports = pages.map(\.report)
        Self.wait { await world.close() }
        self.world = nil
        lastReports = reports
        guard !problems.isEmpty else { return nil }
        return (problems.joined(separator: "\n") + "\n(read the page's errors with page:errors() when the test expects them)", nil)
    }

    /// What the pages of the last finished test showed, for its report.
    private var lastReports: [String] = []

    // MARK: Reporting

    private func report(name: String, failure: (String, Int?)?, into summary: inout TestRunner.Summary) {
        guard let (message, line) = failure else {
            summary.passed += 1
            output("ok    \(location.displayPath)  \(name)")
            return
        }
        summary.failed += 1
        let place = line.map { "\(location.displayPath):\($0)" } ?? location.displayPath
        output("FAIL  \(place)  \(name)")
        var details = message.split(separator: "\n", omittingEmptySubsequences: false).map { "      " + $0 }
        for report in lastReports {
            details += report.split(separator: "\n", omittingEmptySubsequences: false).map { "      " + $0 }
        }
        output(details.joined(separator: "\n"))
    }

    // MARK: Calling test.lua

    /// Loads test.lua with its host table; answers a reference to the runner table.
    private func loadLibrary(into lua: LuaState) throws(LuaError) -> Int32 {
        try lua.load(source: String(decoding: PackageResources.test_lua, as: UTF8.self), chunkName: "=gizmo.test")
        lua.pushNativeTable()
        for (name, function) in hostFunctions() {
            lua.pushFunction(lua.register(function))
            lua.setField(name)
        }
        lua.push(chunkName)
        try lua.call(arguments: 2, results: 1, cpuSeconds: Self.cpuSeconds)
        return lua.ref()
    }

    /// CPU seconds one test may spend in its own Lua code (waiting costs none).
    static let cpuSeconds = 600.0

    /// Calls `runner[op]` with the argument `push` pushes (if any) and
    /// answers what `read` makes of its `results` values.
    private func invoke<T>(_ lua: LuaState, _ runner: Int32, _ op: String, push: ((LuaState) -> Void)? = nil,
                           results: Int32, read: (LuaState) -> T) -> Result<T, LuaError> {
        lua.push(ref: runner)
        lua.replaceWithField(op)
        push?(lua)
        do {
            try lua.call(arguments: push == nil ? 0 : 1, results: results, cpuSeconds: Self.cpuSeconds)
        } catch {
            return .failure(error)
        }
        defer { lua.pop(results) }
        return .success(read(lua))
    }

    /// runner[op](chunk or index): nil when it passed, else the message and the test file's line.
    private func call(_ lua: LuaState, _ runner: Int32, _ op: String, chunk: Int32? = nil, index: Int? = nil) -> (String, Int?)? {
        let outcome = invoke(lua, runner, op, push: { lua in
            if let chunk { lua.push(ref: chunk) } else { lua.push(index ?? 0) }
        }, results: 3) { lua -> (String, Int?)? in
            lua.boolean(at: -3) ? nil : (lua.string(at: -2) ?? "the test failed", lua.integer(at: -1))
        }
        switch outcome {
        case .success(let failure): return failure
        case .failure(let error): return (error.message, nil)
        }
    }

    private func callCount(_ lua: LuaState, _ runner: Int32) -> Int {
        (try? invoke(lua, runner, "count", results: 1) { $0.integer(at: -1) }.get()) ?? 0
    }

    private func callName(_ lua: LuaState, _ runner: Int32, _ index: Int) -> String {
        (try? invoke(lua, runner, "name", push: { $0.push(index) }, results: 1) { $0.string(at: -1) }.get()) ?? "test \(index)"
    }

    // MARK: Waiting for the harness

    /// Runs `body` on Swift's concurrency pool and waits for it on this
    /// (the test's own) thread.
    static func wait<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
        let result = Mutex<T?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            let value = await body()
            result.withLock { $0 = value }
            done.signal()
        }
        done.wait()
        return result.withLock { $0! }
    }
}
