import ArgumentParser

@main
struct CanaryAgent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "canary-agent",
        abstract: "Canary's worksite gateway: hears the wearables, detects danger locally, forwards events.",
        subcommands: [RunCommand.self, DecodeCommand.self, DetectCommand.self, SimulateCommand.self]
    )
}
