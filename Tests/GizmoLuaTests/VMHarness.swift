import Foundation
import GizmoLua
import GizmoStore
import GizmoTestFixtures
import Logging
import Synchronization
import Testing

/// One protocol command from a frame, for assertions.
struct Command {
    let fields: [String: Any]
    var op: String? { fields["op"] as? String }
    func string(_ key: String) -> String? { fields[key] as? String }
    func int(_ key: String) -> Int? { fields[key] as? Int }
    subscript(key: String) -> Any? { fields[key] }
}

final class OutputLog: Sendable {
    let outputs = Mutex<[GizmoVM.Output]>([])
}

/// A GizmoVM driven as a page would drive it, without sockets.
final class VMHarness: Sendable {
    let vm: GizmoVM
    let boot: GizmoVM.BootResult
    private let log: OutputLog
    private let lastRender = Mutex<[String: any Sendable]?>(nil)

    init(_ source: String, limits: SessionLimits = .init(), file: String = "test.lua",
         directory: URL = FileManager.default.temporaryDirectory, stores: StoreDirectory? = nil,
         service: Bool = false) async throws {
        let log = OutputLog()
        self.log = log
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        vm = GizmoVM(script: Script(displayPath: file, directory: directory, source: source),
                     limits: limits, logger: logger, stores: stores, service: service) { output in
            log.outputs.withLock { $0.append(output) }
        }
        boot = try await vm.boot()
        _ = take() // what the main chunk sent before any page connected
    }

    /// Every command sent since the last call, in order.
    func take() -> [Command] {
        let taken = log.outputs.withLock { list -> [GizmoVM.Output] in
            defer { list.removeAll { if case .ended = $0 { return false } else { return true } } }
            return list
        }
        var commands: [Command] = []
        for output in taken {
            let text: String
            switch output {
            case .frame(let frame), .join(_, _, let frame): text = frame
            case .ended: continue
            }
            let array = try! JSONSerialization.jsonObject(with: Data(text.utf8)) as! [[String: Any]]
            commands += array.map(Command.init)
        }
        if let render = commands.last(where: { $0.op == "render" }) {
            let node = render["node"] as! [String: Any]
            lastRender.withLock { $0 = node.mapValues { $0 as! any Sendable } }
        }
        return commands
    }

    var ended: Bool {
        log.outputs.withLock { $0.contains { if case .ended = $0 { return true } else { return false } } }
    }

    /// Sends a message as the page would and returns what came back.
    func send(_ json: String) async -> [Command] {
        await vm.receive(json)
        return take()
    }

    @discardableResult
    func hello() async throws -> [Command] { await send(#"{"t":"hello","v":2,"p":"test-page"}"#) }

    func click(_ callback: Int) async throws -> [Command] {
        await send(#"{"t":"call","cb":\#(callback),"args":[{"type":"click"}]}"#)
    }

    /// Waits (up to `seconds`) for commands that arrive from timers.
    func waitFor(seconds: Double = 5, _ condition: ([Command]) -> Bool) async throws -> [Command] {
        var seen: [Command] = []
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            seen += take()
            if condition(seen) { return seen }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("timed out waiting for commands; saw \(seen.map(\.fields)) ended \(ended)")
        return seen
    }

    /// The click callback of the rendered node whose text is `label`.
    func callback(label: String, event: String = "click") -> Int? {
        guard let root = lastRender.withLock({ $0 }) else { return nil }
        func find(_ node: [String: Any]) -> Int? {
            if node["text"] as? String == label, let on = node["on"] as? [String: Any] { return on[event] as? Int }
            for kid in node["kids"] as? [[String: Any]] ?? [] { if let found = find(kid) { return found } }
            return nil
        }
        return find(root)
    }
}

extension TemporaryFolder {
    /// Stores whose every module store is the one file in this folder (one
    /// backend, whatever data folder a state asks for).
    func storeDirectory(limits: StoreLimits = StoreLimits(valueBytes: 4096, moduleBytes: 1 << 20)) -> StoreDirectory {
        let backend = try! SQLiteStore(path: url.appendingPathComponent("store.sqlite").path)
        return StoreDirectory(limits: limits) { _ in backend }
    }
}
