import DeviceFormats
import WorksiteSimulator

/// The worksite simulator as a BLE source. `pace` paces the frames in real
/// time (the demo); without it they come as fast as they are consumed
/// (virtual time, the tests).
public struct SimulatedSource: BLESource {
    public let scenario: Scenario
    public let pace: (any Clock<Duration>)?

    public init(scenario: Scenario, pace: (any Clock<Duration>)? = nil) {
        self.scenario = scenario
        self.pace = pace
    }

    public func frames() -> AsyncStream<BLEFrame> {
        let scenario = self.scenario, pace = self.pace
        return AsyncStream(bufferingPolicy: .bufferingOldest(10_000)) { continuation in
            let task = Task {
                var simulator = WorksiteSimulator(scenario)
                var t = simulator.startMs
                while t < simulator.endMs, !Task.isCancelled {
                    t += 100
                    for frame in simulator.advance(untilMs: t) { continuation.yield(frame) }
                    if let pace { try? await pace.sleep(for: .milliseconds(100)) } else { await Task.yield() }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
