import DeviceFormats
import WorksiteSimulator

/// The worksite simulator as a BLE source. `pace` paces the frames in real
/// time (the demo), `speed` times faster; without it they come as fast as
/// they are consumed (virtual time, the tests).
public struct SimulatedSource: BLESource {
    public let scenario: Scenario
    public let pace: (any Clock<Duration>)?
    public let speed: Double

    public init(scenario: Scenario, pace: (any Clock<Duration>)? = nil, speed: Double = 1) {
        self.scenario = scenario
        self.pace = pace
        self.speed = speed
    }

    public func frames() -> AsyncStream<BLEFrame> {
        let scenario = self.scenario, pace = self.pace, step = Duration.milliseconds(100) / speed
        return AsyncStream(bufferingPolicy: .bufferingOldest(10_000)) { continuation in
            let task = Task {
                var simulator = WorksiteSimulator(scenario)
                var t = simulator.startMs
                while t < simulator.endMs, !Task.isCancelled {
                    t += 100
                    for frame in simulator.advance(untilMs: t) { continuation.yield(frame) }
                    if let pace { try? await pace.sleep(for: step) } else { await Task.yield() }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
