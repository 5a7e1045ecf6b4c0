import ArgumentParser
import DeviceFormats
import EdgeCore
import Foundation
import RiskCore
import WorksiteSimulator

/// `canary-agent run`: the detection path on a BLE source, events printed as
/// JSON lines. The MQTT outbox and the live BlueZ source plug in here
/// (docs/cli.md).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run detection on a simulated worksite or a btsnoop capture and print the events."
    )

    @Option(help: "A worksite scenario (YAML) to simulate; its workers and devices form the site.")
    var scenario: String?

    @Option(help: "A btsnoop capture to replay (with --scenario for the device bindings).")
    var btsnoop: String?

    @Flag(help: "Play the scenario in real time (the demo) instead of virtual time.")
    var realtime = false

    func validate() throws {
        guard scenario != nil else { throw ValidationError("--scenario is required (the site's workers and devices)") }
    }

    func run() async throws {
        let path = scenario!
        let loaded: Scenario
        do {
            loaded = try Scenario.load(yaml: try String(contentsOfFile: path, encoding: .utf8))
        } catch {
            throw ValidationError("\(path): \(error)")
        }
        let source: any BLESource = btsnoop.map { ReplaySource(path: $0) }
            ?? SimulatedSource(scenario: loaded, pace: realtime ? ContinuousClock() : nil)
        var pipeline = AgentPipeline(directory: SiteDirectory(scenario: loaded))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // One write per event, unbuffered: an alarm is on the terminal the moment it is raised.
        try await pipeline.run(source) { events in
            for e in events { FileHandle.standardOutput.write(try encoder.encode(e) + Data("\n".utf8)) }
        }
        let c = pipeline.counters
        FileHandle.standardError.write(Data("frames from unknown devices: \(c.unknownDevice), rejected payloads: \(c.rejected.total), rejected samples: \(c.rejectedSamples)\n".utf8))
    }
}
