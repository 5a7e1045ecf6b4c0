import DeviceFormats
import EdgeCore
import Foundation
import RiskCore
import SimulatedWorksite
import TestSupport
import Testing
import Wire
import WorksiteSimulator

@Suite struct AgentPipelineTests {
    static let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples/scenarios/tank-cleaning.yaml")

    /// Runs a scenario through the simulator source and the pipeline in virtual time.
    func run(_ scenario: Scenario) async -> (events: [SafetyEvent], pipeline: AgentPipeline) {
        var pipeline = AgentPipeline(directory: SiteDirectory(scenario: scenario))
        var events: [SafetyEvent] = []
        await pipeline.run(SimulatedSource(scenario: scenario), untilMs: Int64((scenario.start + scenario.duration) * 1000)) {
            events += $0
        }
        return (events, pipeline)
    }

    /// A worker's alarms as they open and clear; an alarm told again at a worse reading is left out.
    func summary(_ events: [SafetyEvent], _ worker: String) -> [String] {
        var last: [String: Phase] = [:], out: [String] = []
        for e in events where e.worker == worker {
            let key = "\(e.type.rawValue) \(e.condition)"
            defer { last[key] = e.phase }
            if e.phase == .alarm, last[key] == .alarm { continue }
            out.append("\(key) \(e.phase.rawValue)")
        }
        return out
    }

    @Test func theExampleWorksiteRaisesExactlyTheScriptedAlarms() async throws {
        let scenario = try Scenario.load(yaml: String(contentsOf: Self.example, encoding: .utf8))
        let (events, pipeline) = await run(scenario)
        let start = Int64(scenario.start * 1000)

        // chen: H2S rises to 28 ppm from 20 s (over 15 s), holds 40 s, falls back.
        let chen = summary(events, "chen")
        #expect(chen == ["gas H2S.low alarm", "gas H2S.high alarm", "gas H2S.high cleared", "gas H2S.low cleared"])
        // Told again as it worsens: the last H2S.high alarm is within a margin (1 ppm) of the 28 ppm peak.
        let worst = events.filter { $0.worker == "chen" && $0.condition == "H2S.high" && $0.phase == .alarm }.compactMap { $0.values["value"] }.max()
        #expect(worst.map { $0 > 27 } == true, "\(String(describing: worst))")
        let chenAlarm = try #require(events.first { $0.worker == "chen" && $0.condition == "H2S.high" })
        #expect(chenAlarm.location?.source == .locator && chenAlarm.location.map { abs($0.x! - 12.5) < 2 } == true)

        // lin: a fall at 60 s, then lying still.
        let lin = summary(events, "lin")
        #expect(lin == ["fall  pre-alarm", "fall  alarm", "immobility  pre-alarm", "immobility  alarm"])
        let fall = try #require(events.first { $0.worker == "lin" && $0.type == .fall })
        #expect(fall.timeMs - start >= 60_000 && fall.timeMs - start <= 63_000)

        // wang: a sensor fault from 30 s to 50 s on every fitted gas, an SOS press at 75 s (button and flag: one alarm).
        let wang = summary(events, "wang")
        #expect(wang.filter { $0.hasPrefix("sos") } == ["sos  alarm"])
        #expect(
            Set(wang.filter { $0.contains(".fault alarm") }) == [
                "gas O2.fault alarm", "gas CO.fault alarm", "gas H2S.fault alarm", "gas LEL.fault alarm",
            ])
        #expect(wang.filter { $0.contains(".fault cleared") }.count == 4)
        let sos = try #require(events.first { $0.type == .sos })
        #expect(sos.timeMs - start >= 75_000 && sos.timeMs - start < 76_000)
        // wang's heart wearable shows severe fatigue from the start: judged when its first 5-minute window closes.
        #expect(wang.filter { $0.hasPrefix("fatigue") } == ["fatigue  alarm"])
        let fatigue = try #require(events.first { $0.type == .fatigue })
        #expect(fatigue.timeMs - start >= 300_000 && fatigue.timeMs - start < 302_000)
        #expect(fatigue.values["resting_heart_rate_bpm"].map { $0 > 90 } == true && fatigue.values["rmssd_ms"].map { $0 < 19 } == true)
        #expect(fatigue.values["sleep_h"] == 5, "wang slept 5 h; the wearable's summary was read")
        // chen's heart is calm: no fatigue.
        #expect(!chen.contains { $0.hasPrefix("fatigue") })

        // huang: the gas detector's battery runs down from 90 s and dies at 130 s; everything huang wears goes silent.
        let huang = summary(events, "huang")
        #expect(huang.contains("low-battery C0:FF:EE:00:04:01 alarm"))
        #expect(huang.contains("device-offline C0:FF:EE:00:04:01 alarm"))
        #expect(huang.contains("device-offline C0:FF:EE:00:04:02 alarm"))
        #expect(Set(huang.filter { $0.hasSuffix("stale alarm") }).count == 4)
        #expect(!huang.contains { $0.hasPrefix("immobility") }, "silence is device-offline, not immobility")

        #expect(pipeline.counters.rejected.total == 0)
        #expect(pipeline.counters.rejectedSamples == 0)
    }

    @Test func aDeviceNeverHeardIsOffline() async throws {
        let scenario = try Scenario.load(
            yaml: """
                site: s
                duration_s: 30
                workers:
                  - {id: a, gas_detector: "AA:00:00:00:00:01"}
                """)
        var directory = SiteDirectory(scenario: scenario)
        directory.bind(BDAddress.parse("AA:00:00:00:00:09")!, worker: "a", role: .heart)
        var pipeline = AgentPipeline(directory: directory)
        var events: [SafetyEvent] = []
        for await frame in SimulatedSource(scenario: scenario).frames() { events += pipeline.ingest(frame) }
        events += pipeline.tick(atMs: Int64(scenario.start * 1000) + 10_001)
        #expect(events.map { "\($0.type.rawValue) \($0.condition)" } == ["device-offline AA:00:00:00:00:09"])
    }

    /// Last night's sleep is the third fatigue factor: with a short night, a fast heart
    /// (whose variability is fine) is severe fatigue; without it, it is not.
    @Test func aShortNightAndAFastHeartAreSevereFatigue() {
        let strap: [UInt8] = [0xC0, 0xFF, 0xEE, 0x00, 0x01, 0x02]
        var directory = SiteDirectory(site: "s")
        directory.bind(strap, worker: "chen", role: .heart)
        let start: Int64 = 1_767_254_400_000
        let night = CanaryProfile.SleepSummary(
            start: UInt32(start / 1_000 - 8 * 3_600), end: UInt32(start / 1_000 - 3_600),
            minutesAsleep: 300, efficiencyPercent: 71)
        func shift(sleep: Bool) -> (events: [SafetyEvent], readings: [TelemetryBatch.Reading]) {
            var pipeline = AgentPipeline(directory: directory)
            var events: [SafetyEvent] = []
            if sleep {
                events += pipeline.ingest(
                    BLEFrame(
                        timeMs: start, address: strap,
                        payload:
                            .notification(characteristic: CanaryProfile.sleepCharacteristic, value: night.encode())))
            }
            for k in 1...400 {  // 91 bpm with RMSSD about 80 ms: a fast heart, variability fine
                let value = HeartRateMeasurement.encode(heartRate: 91, rrIntervalsMs: [620, 700])
                events += pipeline.ingest(
                    BLEFrame(
                        timeMs: start + Int64(k) * 1_320, address: strap,
                        payload: .notification(characteristic: HeartRateMeasurement.uuid, value: value)))
            }
            return (events, pipeline.takeReadings())
        }
        let short = shift(sleep: true)
        #expect(short.events.filter { $0.type == .fatigue }.map(\.phase) == [.alarm])
        let alarm = short.events.first { $0.type == .fatigue }
        #expect(alarm?.values["sleep"] == 10 && alarm?.values["restingHeartRate"] == 10 && alarm?.values["hrv"] == 0)
        #expect(alarm?.values["sleep_h"] == 5)
        #expect(short.readings.first { $0.kind == "sleep" }?.values["hours_asleep"] == 5)
        #expect(shift(sleep: false).events.filter { $0.type == .fatigue }.isEmpty)
    }

    @Test func framesFromStrangersAndGarbageAreCountedNotFatal() {
        var pipeline = AgentPipeline(directory: SiteDirectory(site: "s"))
        #expect(pipeline.ingest(BLEFrame(timeMs: 0, address: [1, 2, 3, 4, 5, 6], payload: .advertisement([0xFF]))).isEmpty)
        #expect(pipeline.counters.unknownDevice == 1)
        var directory = SiteDirectory(site: "s")
        directory.bind([1, 2, 3, 4, 5, 6], worker: "a", role: .gasDetector)
        var bound = AgentPipeline(directory: directory)
        _ = bound.ingest(BLEFrame(timeMs: 0, address: [1, 2, 3, 4, 5, 6], payload: .advertisement([0x05, 0xFF, 0xFF])))
        _ = bound.ingest(BLEFrame(timeMs: 1, address: [1, 2, 3, 4, 5, 6], payload: .notification(characteristic: 0x0002, value: [1])))
        #expect(bound.counters.rejected.byKind == ["bad-length": 1, "truncated": 1])
    }

    /// A detector's status heard over both paths, the copies crossing on the way in:
    /// the late one is counted as late, not as readings the detectors refused.
    @Test func aGasStatusOlderThanTheLastTakenCountsOnlyItsSOSFlag() {
        let detector: [UInt8] = [0xC0, 0xFF, 0xEE, 0x00, 0x01, 0x01]
        var directory = SiteDirectory(site: "s")
        directory.bind(detector, worker: "chen", role: .gasDetector)
        var pipeline = AgentPipeline(directory: directory)
        let calm = CanaryProfile.GasStatus(sequence: 1, o2: 20.9, co: nil, h2s: 0, lel: 0, battery: 80, flags: [], motionG: 0.1)
        let late = CanaryProfile.GasStatus(sequence: 2, o2: 20.9, co: nil, h2s: 400, lel: 0, battery: 80, flags: [.sos], motionG: 0.1)
        // The advertisement is stamped at 2.000 s; the same detector's notification, stamped 5 ms
        // earlier on the GATT path, is taken in after it.
        let advertised =
            AdvertisingDataBuilder.flags
            + AdvertisingDataBuilder.manufacturer(CanaryProfile.defaultCompany, calm.encodeAdvertisement())
        var events = pipeline.ingest(BLEFrame(timeMs: 2_000, address: detector, payload: .advertisement(advertised)))
        events += pipeline.ingest(
            BLEFrame(
                timeMs: 1_995, address: detector,
                payload: .notification(characteristic: CanaryProfile.gasCharacteristic, value: late.encode())))
        #expect(events.map(\.type) == [.sos], "the SOS flag counts, the late H2S reading does not: \(events)")
        #expect(pipeline.counters.lateGasStatuses == 1)
        #expect(pipeline.counters.rejectedSamples == 0, "nothing is wrong with either frame")
        #expect(pipeline.counters.rejected.total == 0)
    }

    @Test func theRealCaptureReplaysThroughTheSameInterface() async throws {
        let capture = URL(fileURLWithPath: SharedDataLocation.path("ble/csacca_btsnoop_hci.log"))
        var count = 0
        var pipeline = AgentPipeline(directory: SiteDirectory(site: "s"))
        for await frame in ReplaySource(path: capture.path).frames() {
            count += 1
            _ = pipeline.ingest(frame)
        }
        #expect(count == 412)
        #expect(pipeline.counters.unknownDevice == 412)
    }
}
