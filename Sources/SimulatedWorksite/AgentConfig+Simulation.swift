import DaemonSupport
import EdgeCore
import Foundation
import WorksiteSimulator

extension AgentConfig {
    /// ``AgentConfig/load(file:)``, and for a `simulate:` source the scenario
    /// read (an error names the config file and the key) and its workers'
    /// devices bound, besides those of `workers:`.
    public static func loadSimulating(file: String) throws(ConfigError) -> AgentConfig {
        var config = try load(file: file)
        if let scenario = try config.scenario() { config.directory.bind(scenario) }
        return config
    }

    /// The scenario of a `simulate:` source; nil for another source.
    public func scenario() throws(ConfigError) -> Scenario? {
        guard case .simulate(let path, _) = source else { return nil }
        do {
            return try Scenario.load(yaml: try String(contentsOfFile: path, encoding: .utf8))
        } catch {
            throw ConfigError(file: path, line: nil, key: "source.simulate", message: "\(error)")
        }
    }
}

extension SimulatedSource {
    /// The simulated worksite of a `simulate:` source, starting at `startMs`
    /// (simulated devices live now, like real ones); nil for another source.
    public init?(_ config: AgentConfig, startMs: Int64) throws(ConfigError) {
        guard case .simulate(_, let speed) = config.source, var scenario = try config.scenario() else { return nil }
        scenario.start = Double(startMs) / 1000
        self.init(scenario: scenario, pace: speed > 0 ? ContinuousClock() : nil, speed: max(speed, 1e-9))
    }
}
