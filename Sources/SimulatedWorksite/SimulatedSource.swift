import DeviceFormats
import EdgeCore
import Synchronization
import WorksiteSimulator

/// The worksite simulator as a BLE source. `pace` paces the frames in real
/// time (the demo), `speed` times faster; without it they come as fast as
/// they are consumed (virtual time, the tests). Frames are made as they are
/// asked for, 100 ms of the worksite at a time, in the consumer's task.
public struct SimulatedSource: BLESource {
    public let scenario: Scenario
    public let pace: (any Clock<Duration>)?
    public let speed: Double

    public init(scenario: Scenario, pace: (any Clock<Duration>)? = nil, speed: Double = 1) {
        self.scenario = scenario
        self.pace = pace
        self.speed = speed
    }

    /// The simulator and the frames of its last step not yet handed out.
    private final class Steps: Sendable {
        private struct State {
            var simulator: WorksiteSimulator
            var t: Int64
            var ready: [BLEFrame] = []
            var next = 0
        }
        private let state: Mutex<State>

        init(_ scenario: Scenario) {
            let simulator = WorksiteSimulator(scenario)
            state = Mutex(State(simulator: simulator, t: simulator.startMs))
        }

        /// The next frame of the current step; nil when the step is used up.
        func take() -> BLEFrame? {
            state.withLock { s in
                guard s.next < s.ready.count else { return nil }
                defer { s.next += 1 }
                return s.ready[s.next]
            }
        }

        /// Simulates the next 100 ms; false once the scenario is over.
        func step() -> Bool {
            state.withLock { s in
                guard s.t < s.simulator.endMs else { return false }
                s.t += 100
                s.ready = s.simulator.advance(untilMs: s.t)
                s.next = 0
                return true
            }
        }
    }

    public func frames() -> AsyncStream<BLEFrame> {
        let steps = Steps(scenario), pace = self.pace, interval = Duration.milliseconds(100) / speed
        return AsyncStream {
            while !Task.isCancelled {
                if let frame = steps.take() { return frame }
                guard steps.step() else { return nil }
                if let pace { try? await pace.sleep(for: interval) } else { await Task.yield() }
            }
            return nil
        }
    }
}
