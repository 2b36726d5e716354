import ArgumentParser
import Foundation

/// `gizmobench scale`: how many idle sessions one `gizmolua serve` holds, and
/// which limit stops it (docs/performance.md, "How many sessions one server holds").
struct ScaleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale",
        abstract: "Hold as many idle sessions as one gizmolua serve takes, in steps, and name the limit that stops it.",
        discussion: """
        Starts the gizmolua binary (in a container's environment, --no-reload, --max-sessions above the target)
        with RLIMIT_NOFILE raised as a deployment's ulimit -n does, then opens idle sessions in steps: the entry
        URL, its child page, the page's WebSocket from 127.0.0.2, 127.0.0.3, ... in turn, hello, render, then
        nothing. After each step: the server's RSS and descriptors, the time the step took, the server's CPU
        while all are idle, and a probe of a few sessions through their VMs. It stops at the target, at the
        first limit met (descriptors, ports, the server's own, the server gone), or when MemAvailable falls
        below the floor, and then holds the sessions past two of the server's pings and measures again.
        Run it from the package folder (it copies hello_env from there), on a machine as quiet as can be.
        """
    )

    @Option(help: "The gizmolua binary to measure (build it with -c release).")
    var gizmolua: String = ".build/release/gizmolua"

    @Option(help: "The package folder, to copy the scripts from.")
    var package: String = "."

    @Option(help: "Write the figures to this JSON file as well.")
    var json: String?

    @Option(help: "Idle sessions to open and hold.")
    var sessions = 100_000

    @Option(help: "Sessions opened between two measurements.")
    var step = 5_000

    @Option(help: "Loopback source addresses the pages' sockets are spread over (127.0.0.2 on).")
    var addresses = 8

    @Option(help: "Sessions being opened at once.")
    var parallel = 32

    @Option(name: .customLong("memory-floor-gib"), help: "Open no more sessions once MemAvailable falls below this.")
    var memoryFloorGiB = 4.0

    @Option(help: "Held sessions probed (a round trip through the session's VM) after each step.")
    var probes = 10

    @Option(help: "Seconds to hold every session after the last step before measuring again (0: none).")
    var hold = 65

    @Option(help: "The RLIMIT_NOFILE to ask for this process and the server (default: sessions + 1024).")
    var nofile: Int?

    @Option(name: .customLong("idle-script"), help: "The script of the idle sessions (of the bench's module).")
    var idleScript = Benchmarks.helloEnv

    func run() async throws {
        let binary = URL(filePath: gizmolua).absoluteURL
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw ValidationError("\(gizmolua) is not an executable; build it first (swift build -c release)")
        }
        let plan: ScalePlan
        do {
            plan = try ScalePlan(target: sessions, step: step, addresses: addresses)
        } catch {
            throw ValidationError("\(error)")
        }
        guard parallel >= 1, probes >= 0, hold >= 0, memoryFloorGiB >= 0 else {
            throw ValidationError("--parallel must be at least 1; --probes, --hold and --memory-floor-gib not negative")
        }
        if let ports = ProcFS.ephemeralPorts(), plan.perAddress > ports {
            throw BenchError("\(sessions) sessions over \(addresses) addresses is \(plan.perAddress) sockets per address, "
                + "past the \(ports) ephemeral ports each has: use --addresses \(ScalePlan.addressesNeeded(for: sessions, ports: ports))")
        }
        var settings = ScaleRamp.Settings()
        settings.script = idleScript
        settings.parallel = parallel
        settings.memoryFloorKiB = Int(memoryFloorGiB * 1_048_576)
        settings.probes = probes
        settings.hold = .seconds(hold)
        let available = try ProcFS.memAvailableKiB()
        guard available >= settings.memoryFloorKiB else {
            throw BenchError("MemAvailable is \(available / 1024) MiB, already below the floor of "
                + "\(settings.memoryFloorKiB / 1024) MiB: wait for a quieter machine, or lower --memory-floor-gib")
        }

        // The server is a child: it runs with this process's raised limit, as under `ulimit -n`.
        let machine = Figures.Machine.current
        let (clientLimit, shortfall) = FileLimit.raise(to: nofile ?? sessions + 1024)
        shortfall.map(Self.progress)
        let kernel = Dictionary(ProcFS.kernelSettings().compactMap { setting in setting.value.map { (setting.name, $0) } },
                                uniquingKeysWith: { first, _ in first })
        let folder = try BenchFolder(packageRoot: URL(filePath: package).absoluteURL)
        defer { folder.remove() }
        let server = try await ServerProcess.start(
            binary: binary, folder: folder, name: "scale",
            arguments: ["--max-sessions", String(sessions + settings.warmup + 100), "--no-reload"],
            environment: Benchmarks.containerEnvironment(dataFolder: folder.logs.appending(path: "data")))
        let serverLimit = ProcFS.fileLimit(server.process.processIdentifier)
        Self.progress("server pid \(server.process.processIdentifier) on port \(server.port), RLIMIT_NOFILE "
            + "\(serverLimit.map { "\($0.soft)" } ?? "?"); \(sessions) sessions in steps of \(step) over \(addresses) addresses")
        let entry = EntryClient(port: server.port)
        let outcome = await ScaleRamp(plan: plan, server: server, entry: entry, settings: settings, progress: Self.progress).run()

        Self.progress("closing \(outcome.held.count) sessions and stopping the server")
        let serverLog = (try? String(contentsOf: server.log, encoding: .utf8)) ?? ""
        for page in outcome.held { await page.close() }
        try? await entry.shutdown()
        _ = server.stop(within: .seconds(120))

        let figures = ScaleFigures(
            date: ISO8601DateFormatter().string(from: Date()), machine: machine, target: sessions, step: step,
            addresses: addresses, script: idleScript, warmup: min(settings.warmup, sessions),
            baselineRssKib: outcome.baselineRssKib, clientFileLimit: clientLimit, serverFileLimit: serverLimit,
            kernel: kernel, steps: outcome.steps, held: outcome.held.count,
            limit: outcome.stop.limit, explanation: outcome.stop.explanation)
        print(ScaleReport.table(figures))
        if outcome.stop != .target, !serverLog.isEmpty {
            print("\nthe server's log, its end:\n" + serverLog.split(separator: "\n").suffix(15).joined(separator: "\n"))
        }
        if let json {
            try Figures.json(figures).write(to: URL(filePath: json))
            print("\nfigures written to \(json)")
        }
    }

    private static func progress(_ line: String) {
        FileHandle.standardError.write(Data("gizmobench scale: \(line)\n".utf8))
    }
}
