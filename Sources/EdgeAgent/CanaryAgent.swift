import ArgumentParser

@main
struct CanaryAgent: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "canary-agent",
        abstract: "Canary's worksite gateway: hears the wearables, detects danger locally, forwards events.",
        subcommands: [DecodeCommand.self, DetectCommand.self, SimulateCommand.self]
    )
}
