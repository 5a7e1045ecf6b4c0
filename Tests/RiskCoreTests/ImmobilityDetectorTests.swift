import Testing

@testable import RiskCore

@Suite struct ImmobilityDetectorTests {
    /// Lying still at 50 Hz (breathing-sized noise) from `fromMs` for `seconds`.
    func still(fromMs: Int64, seconds: Int) -> [AccelSample] {
        (0..<(seconds * 50)).map { k in
            AccelSample(timeMs: fromMs + Int64(k) * 20, x: 980 + Double(k % 5), y: -60, z: 120)
        }
    }

    func walking(fromMs: Int64, seconds: Int) -> [AccelSample] {
        (0..<(seconds * 50)).map { k in
            AccelSample(timeMs: fromMs + Int64(k) * 20, x: 50, y: -1_000 + Double((k % 25) - 12) * 40, z: 80)
        }
    }

    @Test func preAlarmAtTwentySecondsAlarmAtThirty() throws {
        var d = ImmobilityDetector(worker: "w1")
        var events: [SafetyEvent] = []
        for s in still(fromMs: 0, seconds: 40) { events += try d.ingest(s) }
        #expect(events.map(\.phase) == [.preAlarm, .alarm])
        #expect(events[0].timeMs == 20_000 && events[1].timeMs == 30_000)
        #expect(events[1].severity == .critical)
    }

    @Test func theAlarmNeedsMotionAndAnAcknowledgement() throws {
        var d = ImmobilityDetector(worker: "w1")
        for s in still(fromMs: 0, seconds: 31) { _ = try d.ingest(s) }
        #expect(d.isAlarm)
        var events: [SafetyEvent] = []
        for s in walking(fromMs: 31_000, seconds: 3) { events += try d.ingest(s) }
        #expect(events.isEmpty && d.isAlarm, "motion alone does not clear it")
        #expect(d.acknowledge(atMs: 35_000).map(\.phase) == [.cleared])
        // The other order: acknowledged first, then motion.
        for s in still(fromMs: 40_000, seconds: 31) { _ = try d.ingest(s) }
        #expect(d.isAlarm)
        #expect(d.acknowledge(atMs: 71_100).isEmpty && d.isAlarm)
        for s in walking(fromMs: 71_200, seconds: 2) { events += try d.ingest(s) }
        #expect(events.last?.phase == .cleared && !d.isAlarm)
    }

    @Test func motionDuringThePreAlarmClearsIt() throws {
        var d = ImmobilityDetector(worker: "w1")
        var events: [SafetyEvent] = []
        for s in still(fromMs: 0, seconds: 22) + walking(fromMs: 22_000, seconds: 2) { events += try d.ingest(s) }
        #expect(events.map(\.phase) == [.preAlarm, .cleared])
    }

    @Test func worksFromTheGasDetectorsMotionSummaryAlone() throws {
        var d = ImmobilityDetector(worker: "w1")
        var events: [SafetyEvent] = []
        for t in stride(from: Int64(0), through: 40_000, by: 1_000) {
            events += try d.ingestSummary(deviationG: t < 5_000 ? 0.4 : 0.02, atMs: t)
        }
        #expect(events.map(\.phase) == [.preAlarm, .alarm])
        #expect(events.map(\.timeMs) == [24_000, 34_000])
        #expect(throws: SampleRejection.self) { try d.ingestSummary(deviationG: .infinity, atMs: 41_000) }
    }

    @Test func timePassingWithoutSamplesStillRaisesTheAlarm() throws {
        var d = ImmobilityDetector(worker: "w1")
        _ = try d.ingestSummary(deviationG: 0, atMs: 0)
        #expect(d.advance(toMs: 19_999).isEmpty)
        #expect(d.advance(toMs: 30_000).map(\.phase) == [.alarm])
    }

    @Test func aRealPersonLyingStillAfterAFallIsImmobile() throws {
        // The last seconds of a SisFall fall trial: the subject lies still.
        let fall = try SharedData.motion("F07_SA01_R01")
        var d = ImmobilityDetector(worker: "w1")
        let tail = Array(fall.suffix(100))
        var events: [SafetyEvent] = []
        // Repeat the still tail with increasing timestamps for 32 s.
        for r in 0..<16 {
            for (k, s) in tail.enumerated() {
                events += try d.ingest(AccelSample(timeMs: Int64(r * 2_000 + k * 20), x: s.x, y: s.y, z: s.z))
            }
        }
        #expect(events.map(\.phase) == [.preAlarm, .alarm])
    }
}
