import DeviceFormats
import Foundation
import RiskCore
import Testing

@testable import WorksiteSimulator

@Suite struct WorksiteSimulatorTests {
    static let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples/scenarios/tank-cleaning.yaml")

    func scenario(_ yaml: String) throws -> Scenario { try Scenario.load(yaml: yaml) }

    let oneWorker = """
        site: test
        seed: 7
        duration_s: 60
        workers:
          - {id: w1, gas_detector: "AA:00:00:00:00:01", heart: "AA:00:00:00:00:02", button: "AA:00:00:00:00:04"}
        """

    @Test func theExampleScenarioLoads() throws {
        let s = try Scenario.load(yaml: String(contentsOf: Self.example, encoding: .utf8))
        #expect(s.workers.count == 4 && s.incidents.count == 6 && s.seed == 42)
    }

    @Test(arguments: [
        ("site: x\nworkers: []\n", "missing key 'duration_s'"),
        (
            "site: x\nduration_s: 10\nworkers:\n  - {id: a, gas_detector: nope}\n",
            "workers[0].gas_detector: 'nope' is not an address like AA:BB:CC:DD:EE:FF"
        ),
        ("site: x\nduration_s: 10\nworkers:\n  - {id: a}\n  - {id: a}\n", "workers[1].id 'a' is used twice"),
        ("site: x\nduration_s: 10\nworkers: [{id: a}]\nincidents: [{at_s: 1, worker: b, kind: sos}]\n", "incidents[0].worker 'b' is not a worker"),
        (
            "site: x\nduration_s: 10\nworkers: [{id: a}]\nincidents: [{at_s: 1, worker: a, kind: gas-leak}]\n",
            "incidents[0]: gas-leak needs gas and peak"
        ),
        ("site: x\nduration_s: 10\nworkers: [{id: a, sleep_h: 20}]\n", "workers[0].sleep_h: expected 0…16 hours"),
    ])
    func badScenariosNameTheKey(yaml: String, message: String) {
        #expect(throws: Scenario.Problem.self) { try Scenario.load(yaml: yaml) }
        do { _ = try Scenario.load(yaml: yaml) } catch { #expect("\(error)" == message) }
    }

    @Test func theSameSeedGivesTheSameBytes() throws {
        let s = try scenario(oneWorker)
        var a = WorksiteSimulator(s), b = WorksiteSimulator(s)
        let frames = a.all()
        #expect(frames == b.all())
        var other = s
        other.seed = 8
        var c = WorksiteSimulator(other)
        #expect(frames != c.all())
        // Virtual time in steps gives the same frames as all at once.
        var d = WorksiteSimulator(s)
        var stepped: [BLEFrame] = []
        var t = d.startMs
        while t < d.endMs {
            t += 777
            stepped += d.advance(untilMs: t)
        }
        #expect(stepped == frames)
        #expect(zip(frames, frames.dropFirst()).allSatisfy { $0.timeMs <= $1.timeMs })
    }

    /// Every byte the simulator sends decodes without error, at the documented rates.
    @Test func everythingDecodes() throws {
        let s = try Scenario.load(yaml: String(contentsOf: Self.example, encoding: .utf8))
        var sim = WorksiteSimulator(s)
        var keys = BTHomeKeyring()
        keys.add(address: BDAddress.parse("C0:FF:EE:00:03:04")!, key: Hex.decode("231d39c1d7cc1ab1aee224cd096db932")!)
        var decoder = AdvertisementDecoder(keyring: keys)
        var motion = 0, heart = 0, gasFrames = 0, sleeps = 0
        for frame in sim.all() {
            switch frame.payload {
            case .advertisement(let data):
                let d = decoder.decode(address: frame.address, data: data[...])
                #expect(d.error == nil)
                if case .gas = d.canary { gasFrames += 1 }
            case .notification(let c, let value) where c == CanaryProfile.motionCharacteristic:
                #expect(try CanaryProfile.MotionSamples.decode(value[...]).samples.count == 3)
                motion += 1
            case .notification(let c, let value) where c == CanaryProfile.sleepCharacteristic:
                _ = try CanaryProfile.SleepSummary.decode(value[...])
                sleeps += 1
            case .notification(_, let value):
                _ = try HeartRateMeasurement.decode(value[...])
                heart += 1
            }
        }
        // 330 s: 4 gas detectors at 1 Hz, less the 200 s huang is silent after the battery died.
        #expect(gasFrames == 4 * 330 - 200)
        #expect(motion >= 3 * 330 * 50 / 3)
        #expect(heart > 2 * 329)
        #expect(sleeps == 2, "chen's and wang's nights")
    }

    @Test func aGasLeakRisesToItsPeak() throws {
        let s = try scenario(oneWorker + "\nincidents: [{at_s: 10, worker: w1, kind: gas-leak, gas: H2S, peak: 30, rise_s: 10, hold_s: 20}]")
        var sim = WorksiteSimulator(s)
        var decoder = AdvertisementDecoder()
        let h2s: [Double] = sim.all().compactMap {
            guard case .advertisement(let data) = $0.payload, case .gas(let g) = decoder.decode(address: $0.address, data: data[...]).canary
            else { return nil }
            return g.h2s
        }
        #expect(h2s.prefix(10).allSatisfy { $0 < 1 })
        #expect(abs(h2s[25] - 30) < 1)
        #expect(h2s.last! < 1)
    }

    @Test func anSOSPressIsOnePacketIDInThreeAdvertisementsAndTheGasFlag() throws {
        let s = try scenario(oneWorker + "\nincidents: [{at_s: 20.01, worker: w1, kind: sos}]")
        var sim = WorksiteSimulator(s)
        var decoder = AdvertisementDecoder()
        var sos = SOSDetector(worker: "w1")
        var alarms: [SafetyEvent] = []
        var pressPackets: [Int] = []
        for frame in sim.all() {
            guard case .advertisement(let data) = frame.payload else { continue }
            let d = decoder.decode(address: frame.address, data: data[...])
            if let b = d.bthome, !b.buttonEvents.isEmpty {
                pressPackets.append(b.packetID!)
                alarms += sos.press(device: "button", packetID: b.packetID, atMs: frame.timeMs)
            }
            if case .gas(let g) = d.canary { alarms += sos.flag(device: "gas", isSet: g.flags.contains(.sos), atMs: frame.timeMs) }
        }
        #expect(pressPackets.count == 3 && Set(pressPackets).count == 1)
        #expect(alarms.map(\.phase) == [.alarm])
    }

    /// The simulated fall, through the real decoders and the real detectors:
    /// a fall pre-alarm, then (lying still) the immobility alarm.
    @Test func aSimulatedFallIsDetectedAndFollowedByImmobility() throws {
        let s = try scenario(oneWorker + "\nincidents: [{at_s: 20, worker: w1, kind: fall}]")
        var sim = WorksiteSimulator(s)
        var pipeline = MotionPipeline(worker: "w1")
        var events: [SafetyEvent] = []
        for frame in sim.all() {
            guard case .notification(let c, let value) = frame.payload, c == CanaryProfile.motionCharacteristic else { continue }
            let batch = try CanaryProfile.MotionSamples.decode(value[...])
            for (k, m) in batch.samples.enumerated() {
                let t = frame.timeMs - Int64(batch.samples.count - 1 - k) * 1000 / Int64(batch.rateHz)
                events += try pipeline.ingest(AccelSample(timeMs: t, x: Double(m.x), y: Double(m.y), z: Double(m.z)))
            }
        }
        let start = sim.startMs
        let summary = events.map { "\($0.type.rawValue) \($0.phase.rawValue)" }
        #expect(summary == ["fall pre-alarm", "fall alarm", "immobility pre-alarm", "immobility alarm"])
        #expect(events[0].timeMs - start >= 20_000 && events[0].timeMs - start <= 23_000)
    }

    @Test func theHeartWearableGivesLastNightsSleepOnce() throws {
        let s = try scenario(oneWorker.replacingOccurrences(of: "heart: \"AA:00:00:00:00:02\"", with: "heart: \"AA:00:00:00:00:02\", sleep_h: 5.5"))
        var sim = WorksiteSimulator(s)
        let sleeps = try sim.all().compactMap { frame -> CanaryProfile.SleepSummary? in
            guard case .notification(let c, let value) = frame.payload, c == CanaryProfile.sleepCharacteristic else { return nil }
            return try CanaryProfile.SleepSummary.decode(value[...])
        }
        #expect(sleeps.count == 1)
        #expect(sleeps.first?.minutesAsleep == 330 && sleeps.first.map { Double($0.end) < s.start } == true)
        var plain = WorksiteSimulator(try scenario(oneWorker))
        #expect(!plain.all().contains { if case .notification(CanaryProfile.sleepCharacteristic, _) = $0.payload { true } else { false } })
    }

    @Test func aFatiguedHeartLooksFatigued() throws {
        let s = try scenario(oneWorker + "\nincidents: [{at_s: 0, worker: w1, kind: fatigue}]")
        var sim = WorksiteSimulator(s)
        var rr: [Double] = []
        var rate = 0
        for frame in sim.all() {
            guard case .notification(let c, let value) = frame.payload, c == HeartRateMeasurement.uuid else { continue }
            let m = try HeartRateMeasurement.decode(value[...])
            rr += m.rrIntervalsMs
            rate = m.heartRate
        }
        let hrv = try #require(HeartRateVariability(rrIntervalsMs: rr))
        #expect(rate > 90 && hrv.rmssd < 19)
    }

    @Test func aDyingBatteryGoesSilent() throws {
        let s = try scenario(oneWorker + "\nincidents: [{at_s: 10, worker: w1, kind: battery-dying, duration_s: 20}]")
        var sim = WorksiteSimulator(s)
        let frames = sim.all()
        let last = try #require(frames.last).timeMs - sim.startMs
        #expect(last < 30_000 && last > 29_000)
    }
}
