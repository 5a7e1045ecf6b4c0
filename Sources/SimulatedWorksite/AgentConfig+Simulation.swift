import DaemonSupport
import EdgeCore
import Foundation
import WorksiteSimulator

extension AgentConfig {
    /// ``AgentConfig/load(file:)``, and for a `simulate:` source its scenario,
    /// read once (an error names the scenario's file and the key
    /// `source.simulate`), with its workers' devices bound besides those of
    /// `workers:`. The scenario is nil for another source.
    public static func loadSimulating(file: String) throws(ConfigError) -> (config: AgentConfig, scenario: Scenario?) {
        var config = try load(file: file)
        guard case .simulate(let path, _) = config.source else { return (config, nil) }
        let scenario: Scenario
        do {
            scenario = try Scenario.load(yaml: try String(contentsOfFile: path, encoding: .utf8))
        } catch {
            throw ConfigError(file: path, line: nil, key: "source.simulate", message: "\(error)")
        }
        config.directory.bind(scenario)
        return (config, scenario)
    }
}

extension SimulatedSource {
    /// `scenario` played as `config`'s `simulate:` source says, starting at
    /// `startMs` (simulated devices live now, like real ones); nil for another source.
    public init?(_ scenario: Scenario, of config: AgentConfig, startMs: Int64) {
        guard case .simulate(_, let speed) = config.source else { return nil }
        var live = scenario
        live.start = Double(startMs) / 1000
        self.init(scenario: live, pace: speed > 0 ? ContinuousClock() : nil, speed: max(speed, 1e-9))
    }
}
