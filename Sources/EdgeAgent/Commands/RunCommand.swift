import ArgumentParser
import DaemonSupport
import DeviceFormats
import EdgeCore
import Foundation
import Logging
import RiskCore
import ServiceLifecycle
import SimulatedWorksite
import WorksiteSimulator

/// `canary-agent run`: with `--config`, the daemon (source → detection →
/// outbox → MQTT); with `--scenario`, detection alone with the events printed
/// as JSON lines (docs/cli.md).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the agent: the daemon with --config, or detection alone on a scenario or capture with --scenario.",
        discussion: "Config keys and defaults: docs/agent.md. Events are printed as JSON lines in both modes."
    )

    @Option(help: "The daemon's config file (YAML).")
    var config: String?

    @Flag(help: "Validate --config and exit: 0 when valid, 78 (EX_CONFIG) with the problem on stderr when not.")
    var checkConfig = false

    @Option(help: "Without --config: a worksite scenario (YAML) to simulate; its workers and devices form the site.")
    var scenario: String?

    @Option(help: "Without --config: a btsnoop capture to replay (with --scenario for the device bindings).")
    var btsnoop: String?

    @Flag(help: "Without --config: play the scenario in real time (the demo) instead of virtual time.")
    var realtime = false

    func validate() throws {
        guard (config == nil) != (scenario == nil) else {
            throw ValidationError("give --config (the daemon) or --scenario (detection alone), not both")
        }
        if checkConfig, config == nil { throw ValidationError("--check-config needs --config") }
    }

    func run() async throws {
        if let config { return try await runDaemon(config) }
        let path = scenario!
        let loaded: Scenario
        do {
            loaded = try Scenario.load(yaml: try String(contentsOfFile: path, encoding: .utf8))
        } catch {
            throw ValidationError("\(path): \(error)")
        }
        let source: any BLESource =
            btsnoop.map { ReplaySource(path: $0) }
            ?? SimulatedSource(scenario: loaded, pace: realtime ? ContinuousClock() : nil)
        var pipeline = AgentPipeline(directory: SiteDirectory(scenario: loaded))
        await pipeline.run(
            source,
            emit: { events in
                for e in events { EventPrinter.print(e) }
            })
        let c = pipeline.counters
        FileHandle.standardError.write(
            Data(
                "frames from unknown devices: \(c.unknownDevice), rejected payloads: \(c.rejected.total), rejected samples: \(c.rejectedSamples)\n"
                    .utf8))
    }

    private func runDaemon(_ file: String) async throws {
        guard let (settings, scenario) = DaemonStartup.load(file, daemon: "canary-agent", checkOnly: checkConfig, AgentConfig.loadSimulating)
        else {
            throw ExitCode(DaemonStartup.configErrorExitCode)
        }
        if checkConfig { return }
        let logger = DaemonStartup.logger("canary-agent", level: settings.logLevel)
        let simulated = scenario.flatMap { SimulatedSource($0, of: settings, startMs: Int64(Date().timeIntervalSince1970 * 1000)) }
        let daemon = AgentDaemon(config: settings, logger: logger, source: simulated, onEvent: EventPrinter.print)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: daemon, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// One JSON line per event on stdout, written at once: an alarm is on the terminal the moment it is raised.
enum EventPrinter {
    static func print(_ e: SafetyEvent) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let line = try? encoder.encode(e) else { return }
        FileHandle.standardOutput.write(line + Data("\n".utf8))
    }
}
