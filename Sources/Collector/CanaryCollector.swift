import ArgumentParser
import CollectorCore
import DaemonSupport
import Foundation
import Hummingbird

@main
struct CanaryCollector: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "canary-collector",
        abstract: "Canary's collector: stores events and telemetry from the gateways, serves the alert feed, API and exports.",
        discussion: "Configuration keys and defaults: docs/collector.md."
    )

    @Option(help: "The config file (YAML).")
    var config: String = "/etc/canary/collector.yaml"

    @Flag(help: "Validate the config file and exit: 0 when valid, 78 (EX_CONFIG) with the problem on stderr when not.")
    var checkConfig = false

    func run() async throws {
        guard let settings = DaemonStartup.load(config, daemon: "canary-collector", checkOnly: checkConfig, CollectorConfig.load) else {
            throw ExitCode(DaemonStartup.configErrorExitCode)
        }
        if checkConfig { return }
        let logger = DaemonStartup.logger("canary-collector", level: settings.logLevel)
        let metrics = CollectorMetrics()
        metrics.bootstrapProcessWide()
        let app = try await CollectorService.make(config: settings, logger: logger, metrics: metrics) { port in
            // One line a script (the demo, the tests) can wait for and read the port from.
            let scheme = settings.http.tls == nil ? "http" : "https"
            FileHandle.standardOutput.write(Data("canary-collector: API on \(scheme)://\(settings.httpHost):\(port)/api/v1\n".utf8))
        }
        try await app.runService()
    }
}
