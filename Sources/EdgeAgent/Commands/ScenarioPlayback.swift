import DeviceFormats
import Foundation
import WorksiteSimulator

/// Plays a scenario in steps of `stepMs` of its own time: `body` gets each
/// step's time since the start and the frames the devices sent in it. With
/// `paced`, each step then waits for its moment of wall time (real time).
/// While `holds()` is true the scenario's clock stands still (paced only).
func playScenario(
    _ scenario: Scenario, stepMs: Int64, paced: Bool, holds: () -> Bool = { false },
    _ body: (_ elapsedMs: Int64, _ frames: [BLEFrame]) throws -> Void
) rethrows {
    var simulator = WorksiteSimulator(scenario)
    var wallStart = Date()
    var t = simulator.startMs
    while t < simulator.endMs {
        while paced && holds() {
            Thread.sleep(forTimeInterval: Double(stepMs) / 1000)
            wallStart = wallStart.addingTimeInterval(Double(stepMs) / 1000)
        }
        t += stepMs
        try body(t - simulator.startMs, simulator.advance(untilMs: t))
        if paced { Thread.sleep(until: wallStart.addingTimeInterval(Double(t - simulator.startMs) / 1000)) }
    }
}
