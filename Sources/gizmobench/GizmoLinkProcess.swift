import Foundation

/// H5Gizmos' GizmoLink on a loopback port (`python -m bench_h5.link PORT`,
/// from the bench's venv) and the gizmo processes it launches, one per
/// session (`/bin/sh -c "gizmo_script M/S"` and the Python under it). H5Gizmos
/// never ends those itself when a page goes away without its `pagehide`, so
/// `stop()` ends every process below GizmoLink, and so does SIGINT or SIGTERM
/// of the bench while it runs.
final class GizmoLinkProcess {
    let process: Process
    let port: Int
    private let signalSources: [any DispatchSourceSignal]

    private init(process: Process, port: Int) {
        self.process = process
        self.port = port
        let pid = process.processIdentifier
        signalSources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                Self.endAll(below: pid)
                exit(128 + number)
            }
            source.resume()
            return source
        }
    }

    /// Starts GizmoLink with the venv's `bin` first on PATH (it runs
    /// `gizmo_script` by name) and waits until it accepts connections.
    static func start(venv: H5GizmosVenv, logs: URL) async throws -> GizmoLinkProcess {
        let port = try ServerProcess.freePort()
        let path = ProcessInfo.processInfo.environment["PATH"].map { "\(venv.bin.path):\($0)" } ?? venv.bin.path
        let log = logs.appending(path: "gizmo_link.log")
        let process = try ServerProcess.spawn(
            binary: venv.python, arguments: ["-m", "bench_h5.link", String(port)],
            output: logs.appending(path: "gizmo_link.out"), log: log,
            // The settings a user's shell may hold would change how the gizmos start.
            environment: ["PATH": path, "GIZMO_USE_PORT": nil, "GIZMO_LINK_PREFIX": nil, "GIZMO_USE_SERVER_ADDRESS": nil])
        let link = GizmoLinkProcess(process: process, port: port)
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if ServerProcess.canConnect(port: port) { return link }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        link.stop()
        let errors = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        throw BenchError("GizmoLink did not accept connections on port \(port):\n\(errors.suffix(2000))")
    }

    /// The URL that makes GizmoLink launch `module`/`script` and answer
    /// with its start page (which sends the browser on to the gizmo's page).
    static func entryURL(port: Int, module: String, script: String) -> String {
        "http://127.0.0.1:\(port)/?module=\(module)&script=\(script)&server=127.0.0.1&port=\(port)"
    }

    func entryURL(module: String, script: String) -> String {
        Self.entryURL(port: port, module: module, script: script)
    }

    /// The processes GizmoLink launched that still run (a shell and a
    /// Python gizmo for each session).
    var gizmoProcesses: [pid_t] { ProcFS.descendants(of: process.processIdentifier) }

    func residentKiB() throws -> Int {
        try ProcFS.statusKiB(process.processIdentifier, "VmRSS")
    }

    /// Ends every gizmo process GizmoLink launched; GizmoLink goes on.
    /// SIGTERM goes to the Pythons only: each shell above one then exits on
    /// its own and GizmoLink reaps it, so nothing is left, not even a zombie
    /// (a shell ended first would leave its Python to init). SIGKILL for
    /// whatever is still there after `grace`.
    func endSessions(grace: Duration = .seconds(3)) {
        let gizmos = gizmoProcesses
        for pid in ProcFS.leaves(gizmos) { kill(pid, SIGTERM) }
        let deadline = ContinuousClock.now + grace
        while !gizmoProcesses.isEmpty, ContinuousClock.now < deadline { usleep(10_000) }
        for pid in gizmoProcesses { kill(pid, SIGKILL) }
    }

    /// Ends every process below GizmoLink, then GizmoLink.
    func stop() {
        for source in signalSources { source.cancel() }
        endSessions()
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        for number in [SIGINT, SIGTERM] { signal(number, SIG_DFL) }
    }

    /// On SIGINT or SIGTERM, when a launch may be under way: every process
    /// is stopped (SIGSTOP), GizmoLink first, so that none starts another
    /// while they are listed; then GizmoLink gets SIGKILL (on SIGTERM it
    /// would finish the launches), the others SIGTERM (with SIGCONT), and
    /// SIGKILL if still running half a second later.
    private static func endAll(below root: pid_t) {
        kill(root, SIGSTOP)
        var pids: Set<pid_t> = []
        while case let found = Set(ProcFS.descendants(of: root)).subtracting(pids), !found.isEmpty {
            for pid in found { kill(pid, SIGSTOP) }
            pids.formUnion(found)
        }
        kill(root, SIGKILL)
        for pid in pids {
            kill(pid, SIGTERM)
            kill(pid, SIGCONT)
        }
        let deadline = ContinuousClock.now + .milliseconds(500)
        while pids.contains(where: ProcFS.isRunning), ContinuousClock.now < deadline { usleep(10_000) }
        for pid in pids where ProcFS.isRunning(pid) { kill(pid, SIGKILL) }
    }
}
