import ArgumentParser
import GizmoLua

@main
struct GizmoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gizmolua",
        abstract: "Live browser dashboards for running processes, written as Lua scripts.",
        subcommands: [ServeCommand.self, RunCommand.self, ListCommand.self, TestCommand.self, NewCommand.self]
    )

    static func main() async {
        ProcessMemory.tune()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
