import Testing

@testable import RiskCore

@Suite struct SOSDetectorTests {
    @Test func aPressRaisesOneLatchedAlarmWhateverTheRepeats() {
        var d = SOSDetector(worker: "w1")
        #expect(d.press(device: "btn", packetID: 7, atMs: 1_000).map(\.phase) == [.alarm])
        // The same press seen in three more advertisements.
        for t in [1_100, 1_200, 1_300] as [Int64] { #expect(d.press(device: "btn", packetID: 7, atMs: t).isEmpty) }
        // A second press while the alarm is open joins it.
        #expect(d.press(device: "btn", packetID: 8, atMs: 2_000).isEmpty)
        #expect(d.resolve(atMs: 5_000).map(\.phase) == [.cleared])
        // After resolution, a repeat of the old packet is still not a press; a new one is.
        #expect(d.press(device: "btn", packetID: 8, atMs: 5_100).isEmpty)
        #expect(d.press(device: "btn", packetID: 9, atMs: 6_000).first?.severity == .critical)
    }

    @Test func theGasProfileFlagCountsItsRisingEdge() {
        var d = SOSDetector(worker: "w1")
        #expect(d.flag(device: "gas", isSet: false, atMs: 0).isEmpty)
        #expect(d.flag(device: "gas", isSet: true, atMs: 1_000).count == 1)
        #expect(d.flag(device: "gas", isSet: true, atMs: 2_000).isEmpty, "a long press is one press")
        _ = d.resolve(atMs: 3_000)
        #expect(d.flag(device: "gas", isSet: true, atMs: 4_000).isEmpty, "still the same press")
        #expect(d.flag(device: "gas", isSet: false, atMs: 5_000).isEmpty)
        #expect(d.flag(device: "gas", isSet: true, atMs: 6_000).count == 1)
    }
}

@Suite struct DeviceMonitorTests {
    @Test func silenceBeyondThreeIntervalsAndTenSecondsIsOffline() {
        var m = DeviceMonitor(worker: "w1", device: "AA:BB:CC:DD:EE:FF", expectedIntervalMs: 1_000)
        #expect(m.offlineAfterMs == 10_000)
        _ = m.heard(atMs: 0)
        #expect(m.advance(toMs: 10_000).isEmpty)
        let offline = m.advance(toMs: 10_001)
        #expect(offline.map(\.type) == [.deviceOffline] && offline.first?.condition == "AA:BB:CC:DD:EE:FF")
        #expect(m.advance(toMs: 20_000).isEmpty)
        #expect(m.heard(atMs: 21_000).map(\.phase) == [.cleared])
        var slow = DeviceMonitor(worker: "w1", device: "tag", expectedIntervalMs: 5_000)
        slow.expect(fromMs: 0)
        #expect(slow.advance(toMs: 15_000).isEmpty && slow.advance(toMs: 15_001).count == 1)
    }

    @Test func lowBatteryHasHysteresisAndRejectsNonsense() throws {
        var m = DeviceMonitor(worker: "w1", device: "gas", expectedIntervalMs: 1_000)
        #expect(try m.battery(percent: 11, atMs: 0).isEmpty)
        #expect(try m.battery(percent: 10, atMs: 1).map(\.type) == [.lowBattery])
        #expect(try m.battery(percent: 14, atMs: 2).isEmpty)
        #expect(try m.battery(percent: 15, atMs: 3).map(\.phase) == [.cleared])
        #expect(throws: SampleRejection.self) { try m.battery(percent: 255, atMs: 4) }
    }
}

@Suite struct SafetyEventTests {
    @Test func idsAreStableAndSortByTime() {
        let a = SafetyEvent(worker: "w1", type: .gas, condition: "H2S.high", phase: .alarm, severity: .alarm, timeMs: 999)
        let b = SafetyEvent(worker: "w1", type: .gas, condition: "H2S.high", phase: .alarm, severity: .alarm, timeMs: 1_000)
        #expect(a.id == "0000000000999-w1-gas.H2S.high-alarm")
        #expect(a.id < b.id)
        #expect(
            SafetyEvent(worker: "w1", type: .fall, phase: .preAlarm, severity: .alarm, timeMs: 5).id
                == "0000000000005-w1-fall-pre-alarm")
    }
}
