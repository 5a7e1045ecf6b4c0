import DeviceFormats
import EdgeCore
import Logging
import RiskCore
import Testing

/// The connection budget: controllers hold a few connections; they go to the workers at risk first.
@Suite struct GATTLinksTests {
    func links(budget: Int) -> GATTLinks {
        var directory = SiteDirectory(site: "s")
        for (i, worker) in ["ana", "ben", "cy"].enumerated() {
            directory.bind([0xC0, 0, 0, 0, UInt8(i), 1], worker: worker, role: .gasDetector)
            directory.bind([0xC0, 0, 0, 0, UInt8(i), 2], worker: worker, role: .heart)
            directory.bind([0xC0, 0, 0, 0, UInt8(i), 3], worker: worker, role: .locator)
        }
        return GATTLinks(adapter: "hci9", targets: GATTLinks.Target.all(in: directory), budget: budget, logger: Logger(label: "test"))
    }

    @Test func devicesThatStreamAreTargetsInWorkerOrder() {
        let l = links(budget: 2)
        #expect(l.targets.map(\.worker) == ["ana", "ana", "ben", "ben", "cy", "cy"], "locators only advertise")
        #expect(l.targets.first?.streams == [.canary(CanaryProfile.motionCharacteristic), .canary(CanaryProfile.gasCharacteristic)])
        #expect(l.targets[1].streams == [.short(HeartRateMeasurement.uuid)])
        #expect(l.chosen().map(\.worker) == ["ana", "ana"])
    }

    @Test func theBudgetGoesToTheWorkersAtRiskAndComesBackWhenTheyAreClear() {
        let l = links(budget: 2)
        let alarm = SafetyEvent(worker: "cy", type: .fall, phase: .alarm, severity: .critical, timeMs: 1)
        l.note([alarm])
        #expect(l.chosen().map(\.worker) == ["cy", "cy"])
        l.note([SafetyEvent(worker: "cy", type: .fall, phase: .cleared, severity: .info, timeMs: 2)])
        #expect(l.chosen().map(\.worker) == ["ana", "ana"])
        // A warning does not move the budget.
        l.note([SafetyEvent(worker: "ben", type: .gas, condition: "CO.low", phase: .alarm, severity: .warning, timeMs: 3)])
        #expect(l.chosen().map(\.worker) == ["ana", "ana"])
    }
}
