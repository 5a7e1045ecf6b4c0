import DeviceFormats
import RiskCore
import Testing
import WorksiteSimulator

@testable import EdgeCore

/// A worker's accelerometer stream as the GATT link delivers it.
@Suite struct WorkerMonitorTests {
    /// Three samples at 50 Hz from `index`, the wearer standing still (1 g on z, in mg).
    func notification(_ index: UInt16) -> CanaryProfile.MotionSamples {
        CanaryProfile.MotionSamples(firstIndex: index, rateHz: 50, samples: Array(repeating: (x: 0, y: 0, z: 1_000), count: 3))
    }

    /// A stream timed by its index runs ahead of arrival when notifications come faster than the
    /// samples' own rate (bursts); a reconnect that starts over at index 0 must not be timed before
    /// that stream's end, or every sample of its first second or two is refused as out of order.
    @Test func aReconnectedStreamIsNeverTimedBeforeTheLastSampleTaken() {
        var w = WorkerMonitor(worker: "chen")
        var outOfOrder = 0, rejected = 0
        // 40 notifications (120 samples, 2.4 s of motion) delivered over 1.6 s: the stream runs 0.8 s ahead.
        for k in 0..<40 {
            let r = w.motionSamples(notification(UInt16(3 * k)), atMs: 10_000 + Int64(k) * 40)
            outOfOrder += r.outOfOrder
            rejected += r.rejected
        }
        #expect(outOfOrder == 0 && rejected == 0)
        // The link drops and is made again 100 ms later: the device's index starts over.
        for k in 0..<50 {
            let r = w.motionSamples(notification(UInt16(3 * k)), atMs: 11_660 + Int64(k) * 60)
            outOfOrder += r.outOfOrder
            rejected += r.rejected
        }
        #expect(outOfOrder == 0 && rejected == 0, "samples refused after the reconnect")
    }

    /// A link that retransmits, or a gateway short of CPU, delivers the stream seconds late and then
    /// all at once. The samples are still the device's next ones: the fall among them is timed where
    /// its index puts it, with no gap before its impact, and the stream is not timed anew.
    @Test func aStreamDeliveredLateAndInABurstKeepsItsOwnTime() throws {
        let scenario = try Scenario.load(
            yaml: """
                site: s
                seed: 3
                duration_s: 30
                workers:
                  - {id: chen, gas_detector: "C0:FF:EE:00:01:01"}
                incidents:
                  - {at_s: 12, worker: chen, kind: fall}
                """)
        var simulator = WorksiteSimulator(scenario)
        let frames = simulator.all()
        func replay(_ delivered: [BLEFrame]) -> (impacts: [Double], restarts: Int) {
            var pipeline = AgentPipeline(directory: SiteDirectory(scenario: scenario))
            var events: [SafetyEvent] = []
            for frame in delivered { events += pipeline.ingest(frame) }
            let impacts = events.filter { $0.type == .fall && $0.phase == .preAlarm }.compactMap { $0.values["impactTimeMs"] }
            return (impacts, pipeline.counters.motionStreamRestarts)
        }
        let onTime = replay(frames)
        #expect(onTime.impacts.count == 1 && onTime.restarts == 1)
        // From 1 s before the fall to 3 s after it, the link's notifications wait and then come in
        // one burst, in their order; the first of them 4 s late.
        let fallMs = simulator.startMs + 12_000
        let burstMs = fallMs + 3_000
        let delivered = frames.map { frame in
            guard case .notification = frame.payload, frame.timeMs >= fallMs - 1_000, frame.timeMs < burstMs else { return frame }
            return BLEFrame(timeMs: burstMs, address: frame.address, payload: frame.payload)
        }
        let late = replay(delivered.enumerated().sorted { ($0.element.timeMs, $0.offset) < ($1.element.timeMs, $1.offset) }.map(\.element))
        #expect(late.impacts == onTime.impacts, "the impact timed by its index, as delivered on time")
        #expect(late.restarts == 1, "the late burst continues the stream")
    }
}
