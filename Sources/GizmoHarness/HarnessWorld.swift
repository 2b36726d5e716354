import Foundation
import GizmoLua
import GizmoProcess
import GizmoServer
import GizmoStore
import Logging
import Synchronization

/// Everything one test (`t.test`) runs against, in this process: the
/// sessions its pages opened, their modules' services and stores (in a
/// data folder of its own), the simulated clock and the scripted programs.
/// Every session and service it starts has it as its ``Simulation``.
///
/// After each thing the test does, ``settle()`` waits until no state has
/// work left: a store change, a scripted program's line or a page's reply
/// is enqueued on the receiving state's queue by the turn (or the test
/// call) that caused it, so queues that stay empty through a whole pass,
/// with no job run meanwhile, mean every effect of that action has landed.
final class HarnessWorld: Sendable {
    let simulation: HarnessSimulation
    var clock: HarnessClock { simulation.clock }
    var programs: ProgramScripts { simulation.programs }
    /// Where this test's modules keep their data (the store, `gz.data_path`).
    let dataFolder: URL
    private let stores: StoreDirectory
    private let registry: SessionRegistry
    private let limits: SessionLimits
    private let serviceLimits: SessionLimits
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        /// Services by module folder path.
        var services: [String: ModuleServices] = [:]
        var pages: [HarnessPage] = []
        var closed = false
        /// Why the world stopped waiting for quiet, until the test is told.
        var stuck: String?
    }

    /// Real seconds a settle may take before the world gives up on quiet
    /// (a watch that changes the key it watches never settles).
    static let settleLimit: TimeInterval = 30
    /// Timers one `t.advance` may fire (`gz.every(0, fn)` would never end it).
    static let maxFiresPerAdvance = 100_000

    /// Why the last action never settled, once: the test's call raises it.
    func takeStuck() -> String? {
        state.withLock { state in
            defer { state.stuck = nil }
            return state.stuck
        }
    }

    /// - Parameter limits: the command line's limits and grants; the world
    ///   puts itself in as their simulation.
    init(limits: SessionLimits, serviceLimits: SessionLimits, storeLimits: StoreLimits = .init(), logger: Logger) throws {
        dataFolder = FileManager.default.temporaryDirectory
            .appendingPathComponent("gizmolua-test-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dataFolder, withIntermediateDirectories: true)
        simulation = HarnessSimulation(dataFolders: dataFolder)
        stores = StoreDirectory(limits: storeLimits)
        self.logger = logger
        var limits = limits
        limits.simulation = simulation
        self.limits = limits
        var serviceLimits = serviceLimits
        serviceLimits.simulation = simulation
        self.serviceLimits = serviceLimits
        // A page never times out nor leaves by itself: the test decides.
        registry = SessionRegistry(
            configuration: .init(limits: limits, grace: 86_400, firstPageTimeout: nil, stores: stores),
            logger: logger)
    }

    // MARK: Pages

    /// Starts a session of the script at `file` (its module's service
    /// first, once per test, with `store` written before it starts) and
    /// joins a simulated page to it.
    func open(_ file: URL, displayPath: String, environment: [String: String], store: [String: String]) async throws(HarnessError) -> HarnessPage {
        simulation.add(environment: environment)
        let folder = file.deletingLastPathComponent().standardizedFileURL
        try write(store, module: folder.lastPathComponent)
        await startServices(of: folder, displayPath: (displayPath as NSString).deletingLastPathComponent)
        let script: Script
        do {
            script = try Script(contentsOf: file.path)
        } catch {
            throw HarnessError(error.message)
        }
        var shown = script
        shown.displayPath = displayPath
        let session: Session
        let boot: GizmoVM.BootResult
        do {
            (session, boot) = try await registry.start(shown)
        } catch {
            throw HarnessError(error.message)
        }
        if let failure = boot.error {
            session.discard()
            throw HarnessError("\(displayPath) failed to start: \(failure)")
        }
        let page = HarnessPage(session: session, world: self, number: state.withLock { $0.pages.count + 1 })
        state.withLock { $0.pages.append(page) }
        await page.connect()
        await settle()
        return page
    }

    /// Every page the test opened, in order.
    var pages: [HarnessPage] { state.withLock { $0.pages } }

    private func startServices(of folder: URL, displayPath: String) async {
        let services = state.withLock { state -> ModuleServices? in
            guard state.services[folder.path] == nil else { return nil }
            let services = ModuleServices(source: .folder(folder, displayPath: displayPath), limits: serviceLimits,
                                          stores: stores, registry: registry, logger: logger)
            state.services[folder.path] = services
            return services
        }
        await services?.startNew()
    }

    /// The errors of the modules' services (each stops the test that has one).
    var serviceErrors: [String] {
        state.withLock { Array($0.services.values) }.compactMap { services in
            services.all.compactMap(\.lastError).first
        }
    }

    // MARK: The store

    /// Writes `values` (JSON by key) into the module's store.
    func write(_ values: [String: String], module: String) throws(HarnessError) {
        for (key, json) in values.sorted(by: { $0.key < $1.key }) {
            try push(module: module, key: key, json: json, append: nil)
        }
    }

    /// Sets (or appends to) a key of the module's store as `POST /push/` does.
    func push(module: String, key: String, json: String, append keep: Int?) throws(HarnessError) {
        do {
            let write: PushRequest.Write = keep.map { .append(keep: $0) } ?? .set
            _ = try write.apply(json, to: key, of: try stores.store(in: dataFolder.appendingPathComponent(module)))
        } catch {
            throw HarnessError("t.push: \(error.message)")
        }
    }

    /// A key's value in the module's store, as JSON (nil: no value).
    func read(module: String, key: String) throws(HarnessError) -> String? {
        do {
            switch try stores.store(in: dataFolder.appendingPathComponent(module)).get(key).contents {
            case .absent: return nil
            case .value(let json): return json
            case .list(let items, _): return "[" + items.joined(separator: ",") + "]"
            }
        } catch {
            throw HarnessError("t.store: \(error.message)")
        }
    }

    // MARK: Time and settling

    /// Moves the simulated clock `seconds` on, firing each timer that comes
    /// due in order and letting what it did settle before the next.
    func advance(_ seconds: Double) async {
        let limit = clock.now + seconds
        await settle()
        var fired = 0
        while let fire = clock.takeNext(until: limit) {
            fired += 1
            if fired > Self.maxFiresPerAdvance {
                return state.withLock {
                    $0.stuck = "t.advance: \(Self.maxFiresPerAdvance) timers fired before the clock reached its end; a timer that sets itself again at once (gz.after(0, fn) from fn) never lets time move"
                }
            }
            await fire()
            await settle()
        }
    }

    /// Waits until no state of this world has work left (above), answering
    /// each page's `gz.get` the test gave an answer for on the way.
    func settle() async {
        let deadline = Date().addingTimeInterval(Self.settleLimit)
        while true {
            if Date() > deadline {
                return state.withLock {
                    $0.stuck = "the gizmo never settled: its states kept working for \(Int(Self.settleLimit)) s after the last action (a watch that changes the key it watches, or a handler that starts itself again?)"
                }
            }
            let answered = await answerGets()
            let queues = state.withLock { state in
                state.pages.map(\.session.queue) + state.services.values.flatMap { $0.all.map(\.queue) }
            }
            let before = queues.reduce(0) { $0 + $1.jobsRun }
            for queue in queues { await queue.drain() }
            let after = queues.reduce(0) { $0 + $1.jobsRun }
            let pending = queues.reduce(0) { $0 + $1.pendingJobs }
            if !answered, before == after, pending == 0 { return }
        }
    }

    private func answerGets() async -> Bool {
        var answered = false
        for page in pages where await page.answerGets() { answered = true }
        return answered
    }

    // MARK: The end

    /// Ends every session and service, closes the stores, removes the data folder.
    func close() async {
        let (pages, services) = state.withLock { state in
            state.closed = true
            return (state.pages, Array(state.services.values))
        }
        for page in pages { page.end() }
        registry.endAll(reason: "the test has ended")
        for services in services { await services.stopAll() }
        stores.closeAll()
        try? FileManager.default.removeItem(at: dataFolder)
    }
}

/// What the sessions and services of one test run on (``Simulation``):
/// its clock, its scripted programs, the variables its pages were opened with.
final class HarnessSimulation: Simulation {
    let clock = HarnessClock()
    let programs: ProgramScripts
    let dataFolders: URL
    private let variables = Mutex<[String: String]>([:])

    init(dataFolders: URL) {
        self.dataFolders = dataFolders
        programs = ProgramScripts(clock: clock)
    }

    func add(environment: [String: String]) {
        variables.withLock { $0.merge(environment) { $1 } }
    }

    var environment: [String: String] { variables.withLock { $0 } }

    func schedule(after seconds: Double, _ fire: @escaping @Sendable () async -> Void) -> SimulatedTimer {
        clock.schedule(after: seconds, fire)
    }

    func scripts(program: String) -> Bool { programs.scripts(program: program) }

    func program(for launch: ProgramLaunch, output: OutputMailbox) -> (any RunningProgram)? {
        programs.program(for: launch, output: output)
    }
}

/// Something a test asked for that cannot be done, said in words for the test's output.
struct HarnessError: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }

    /// Any error a page or the harness threw, in its own words.
    init(_ error: any Error) {
        switch error {
        case let error as HarnessError: message = error.message
        case let error as PageError: message = error.message
        default: message = "\(error)"
        }
    }
    var description: String { message }
}
