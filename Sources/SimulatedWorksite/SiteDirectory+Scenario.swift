import DeviceFormats
import EdgeCore
import WorksiteSimulator

extension SiteDirectory {
    /// The devices a simulated scenario's workers wear.
    public init(scenario: Scenario) {
        self.init(site: scenario.site)
        bind(scenario)
    }

    /// Binds the devices of `scenario`'s workers, besides those bound already.
    public mutating func bind(_ scenario: Scenario) {
        for w in scenario.workers {
            let roles: [(String?, Role)] = [(w.gasDetector, .gasDetector), (w.heart, .heart), (w.locator, .locator), (w.button, .button)]
            for (text, role) in roles {
                guard let text, let address = BDAddress.parse(text) else { continue }
                bind(address, worker: w.id, role: role, bthomeKey: role == .button ? w.buttonKey.flatMap(Hex.decode) : nil)
            }
        }
    }
}
