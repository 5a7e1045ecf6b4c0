import Foundation
import Testing

@testable import RiskCore

@Suite struct GasMonitorTests {
    /// Feeds one reading a second from `start`, returning every event.
    func feed(_ m: inout GasMonitor, _ values: [Double], startMs: Int64 = 0) throws -> [SafetyEvent] {
        var events: [SafetyEvent] = []
        for (k, v) in values.enumerated() {
            events += try m.ingest(GasReading(gas: m.gas, timeMs: startMs + Int64(k) * 1_000, value: v))
        }
        return events
    }

    @Test func h2sRisesThroughLowAndHighThenClearsAfterHold() throws {
        var m = GasMonitor(worker: "w1", gas: .h2s)
        let events = try feed(&m, [0, 5, 12, 25, 25, 8, 8, 8, 8, 8, 8, 8])
        let summary = events.map { "\($0.condition) \($0.phase.rawValue) \($0.timeMs)" }
        #expect(
            summary == [
                // The low alarm is told again at 25 ppm: its worst so far.
                "H2S.low alarm 2000", "H2S.low alarm 3000", "H2S.high alarm 3000",
                // 8 ppm is below high − margin and low − margin from t = 5 s; the hold is 5 s.
                "H2S.low cleared 10000", "H2S.high cleared 10000",
            ])
        #expect(events[2].severity == .alarm && events[0].severity == .warning && events[1].severity == .warning)
        #expect(events[1].values["value"] == 25 && events[2].values["value"] == 25)
    }

    /// While an alarm is on, a reading further beyond its limit by the hysteresis margin is told again, so
    /// the alert knows the worst the worker was exposed to; a smaller step, or a better reading, is not.
    @Test func aWorseningAlarmIsToldAgainAtEachMarginItWorsens() throws {
        var m = GasMonitor(worker: "w1", gas: .o2)
        let events = try feed(&m, [20.9, 19.4, 19.3, 19.1, 19.15, 18.6, 18.9])
        #expect(
            events.map { "\($0.condition) \($0.phase.rawValue) \($0.values["value"]!)" } == [
                "O2.low alarm 19.4", "O2.low alarm 19.1", "O2.low alarm 18.6",
            ])
    }

    @Test func aReadingHoveringAtTheLimitDoesNotFlap() throws {
        var m = GasMonitor(worker: "w1", gas: .h2s)
        let events = try feed(&m, [10, 9.5, 10, 9.6, 10.2, 9.4, 10, 9.5])
        #expect(events.count == 1)
        #expect(events.first?.phase == .alarm)
    }

    @Test func oxygenDeficiencyBelowTheLegalLevelIsCritical() throws {
        var m = GasMonitor(worker: "w1", gas: .o2)
        let events = try feed(&m, [20.9, 19.0, 17.5])
        #expect(events.map(\.condition) == ["O2.low", "O2.low", "O2.critical"])
        #expect(events.last?.severity == .critical)
    }

    @Test func lelAtThirtyPercentIsCritical() throws {
        var m = GasMonitor(worker: "w1", gas: .lel)
        let events = try feed(&m, [0, 31])
        #expect(Set(events.map(\.condition)) == ["LEL.low", "LEL.high", "LEL.critical"])
        #expect(events.contains { $0.severity == .critical })
    }

    @Test func stelIsTheFifteenMinuteAverage() throws {
        var limits = GasLimits.defaults(for: .h2s)
        limits.limits = []  // look at STEL alone
        var m = GasMonitor(worker: "w1", gas: .h2s, limits: limits)
        // 16 ppm for 15 minutes: the 15-min average reaches 16 ≥ 15.
        let events = try feed(&m, Array(repeating: 16, count: 15 * 60 + 1))
        let stel = try #require(events.first { $0.condition == "H2S.stel" })
        // The average of 16 ppm crosses 15 ppm once 15/16 of the window is filled.
        #expect(stel.timeMs >= 840_000 && stel.timeMs <= 860_000)
        #expect(abs(m.stel - 16) < 0.3)
    }

    @Test func twaDividesTheShiftDoseByEightHours() throws {
        var m = GasMonitor(worker: "w1", gas: .co)
        // 70 ppm for 4 h, one reading a second: TWA = 70 × 4 / 8 = 35 ppm.
        var t: Int64 = 0
        var twaEvent: SafetyEvent?
        while t <= 4 * 3_600_000 + 10_000 {
            let e = try m.ingest(GasReading(gas: .co, timeMs: t, value: 70))
            if twaEvent == nil { twaEvent = e.first { $0.condition == "CO.twa" } }
            t += 1_000
        }
        #expect(abs(m.twa - 35) < 0.05)
        let at = try #require(twaEvent).timeMs
        #expect(abs(at - 4 * 3_600_000) <= 2_000)
    }

    @Test func unknownIsNotSafe() throws {
        var m = GasMonitor(worker: "w1", gas: .co)
        _ = try m.ingest(GasReading(gas: .co, timeMs: 0, value: 3))
        #expect(try m.ingest(GasReading(gas: .co, timeMs: 1_000, value: .nan)).map(\.condition) == ["CO.fault"])
        #expect(try m.ingest(GasReading(gas: .co, timeMs: 2_000, value: nil, overRange: true)).map(\.condition) == ["CO.over-range"])
        #expect(m.activeConditions == ["fault", "over-range"])
        // Silence: 10 s is tolerated, 10.001 s is not.
        #expect(m.advance(toMs: 12_000).isEmpty)
        #expect(m.advance(toMs: 12_001).map(\.condition) == ["CO.stale"])
        #expect(m.advance(toMs: 20_000).isEmpty, "raised once")
        let back = try m.ingest(GasReading(gas: .co, timeMs: 21_000, value: 3))
        #expect(back.contains { $0.condition == "CO.stale" && $0.phase == .cleared })
    }

    @Test func outOfOrderAndDuplicateReadingsAreRejectedWithoutChangingState() throws {
        var m = GasMonitor(worker: "w1", gas: .h2s)
        _ = try m.ingest(GasReading(gas: .h2s, timeMs: 5_000, value: 30))
        let before = m
        #expect(throws: SampleRejection.outOfOrder(lastMs: 5_000, gotMs: 4_000)) {
            try m.ingest(GasReading(gas: .h2s, timeMs: 4_000, value: 0))
        }
        #expect(throws: SampleRejection.duplicate(timeMs: 5_000)) {
            try m.ingest(GasReading(gas: .h2s, timeMs: 5_000, value: 0))
        }
        #expect(m == before)
    }

    @Test func stateSurvivesARestart() throws {
        var original = GasMonitor(worker: "w1", gas: .h2s)
        _ = try feed(&original, Array(repeating: 12, count: 600))
        var restored = try JSONDecoder().decode(GasMonitor.self, from: JSONEncoder().encode(original))
        #expect(restored == original)
        let rest = Array(repeating: 18.0, count: 600)
        #expect(try feed(&restored, rest, startMs: 600_000) == feed(&original, rest, startMs: 600_000))
        #expect(restored.stel == original.stel && restored.twa == original.twa)
    }

    @Test func siteOverridesReplaceTheDefaults() throws {
        var limits = GasLimits.defaults(for: .co)
        limits.limits[0].value = 25
        var m = GasMonitor(worker: "w1", gas: .co, limits: limits)
        #expect(try feed(&m, [0, 26]).map(\.condition) == ["CO.low"])
    }
}
