import ArgumentParser
import Foundation
import GizmoGrants

/// What scripts may reach beyond their folders and their page: nothing
/// unless granted here or in the environment (docs/security.md, "Grants").
struct GrantOptions: ParsableArguments {
    @Option(name: .customLong("allow-run"), help: ArgumentHelp(
        "Programs gz.spawn may start: names or absolute paths, comma-separated (also GIZMO_ALLOW_RUN).",
        valueName: "prog"))
    var run: [String] = []

    @Option(name: .customLong("allow-read"), help: ArgumentHelp(
        "Files and folders gz.tail, gz.read_file and gz.stat may read beyond the script's folders, comma-separated (also GIZMO_ALLOW_READ).",
        valueName: "path"))
    var read: [String] = []

    @Option(name: .customLong("allow-net"), help: ArgumentHelp(
        "Hosts gz.fetch may call, HOST or HOST:PORT, comma-separated (also GIZMO_ALLOW_NET).",
        valueName: "host"))
    var net: [String] = []

    @Flag(name: .customLong("allow-signal"), help: "Let gz.process signal processes gizmolua did not start (also GIZMO_ALLOW_SIGNAL=1).")
    var signal = false

    @Flag(name: .customLong("allow-all"), help: "Grant everything above (also GIZMO_ALLOW_ALL=1): only for scripts you trust as you trust yourself.")
    var all = false

    func validate() throws {
        do throws(Grants.ParseError) {
            _ = try parse()
        } catch {
            throw ValidationError(error.message)
        }
    }

    /// The grants of these flags and of the environment.
    var grants: Grants { (try? parse()) ?? .none }

    private func parse() throws(Grants.ParseError) -> Grants {
        try Grants.parse(run: run, read: read, net: net, signal: signal, all: all,
                         environment: ProcessInfo.processInfo.environment)
    }
}
