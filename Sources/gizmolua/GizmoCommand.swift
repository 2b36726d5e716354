import ArgumentParser

@main
struct GizmoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gizmolua",
        abstract: "Live browser dashboards for running processes, written as Lua scripts.",
        subcommands: [ServeCommand.self, RunCommand.self, ListCommand.self]
    )
}
