import Foundation
import Testing

@testable import RiskCore

@Suite struct FallDetectorTests {
    func run(_ samples: [AccelSample], _ pipeline: inout MotionPipeline) throws -> [SafetyEvent] {
        var events: [SafetyEvent] = []
        for s in samples { events += try pipeline.ingest(s) }
        return events
    }

    /// `seconds` more of the last posture, with a little noise, at 50 Hz.
    func lying(after samples: [AccelSample], seconds: Int) -> [AccelSample] {
        let last = samples.last!
        return (1...(seconds * 50)).map { k in
            AccelSample(timeMs: last.timeMs + Int64(k) * 20, x: last.x + Double(k % 3), y: last.y, z: last.z)
        }
    }

    @Test func aRealFallRaisesAPreAlarmThatBecomesAnAlarm() throws {
        let fall = try SharedData.motion("F01_SA01_R01")
        var p = MotionPipeline(worker: "w1")
        let events = try run(fall + lying(after: fall, seconds: 20), &p)
        let falls = events.filter { $0.type == .fall }
        #expect(falls.map(\.phase) == [.preAlarm, .alarm])
        let pre = falls[0], alarm = falls[1]
        #expect(alarm.timeMs - pre.timeMs == 15_000)
        #expect(alarm.severity == .critical)
        // The impact is in the values, and the pre-alarm follows it by the 2.5 s after-window.
        #expect(pre.timeMs - Int64(try #require(pre.values["impactTimeMs"])) == 2_500)
        #expect((pre.values["peakG"] ?? 0) > 2)
        #expect(p.fall.acknowledge(atMs: alarm.timeMs + 1_000).map(\.phase) == [.cleared])
    }

    @Test func theWearerGettingUpClearsThePreAlarm() throws {
        let fall = try SharedData.motion("F01_SA01_R01")
        var p = MotionPipeline(worker: "w1")
        var events = try run(fall, &p)
        #expect(p.fall.isPreAlarm)
        let standing = (1...150).map { k in
            AccelSample(timeMs: fall.last!.timeMs + Int64(k) * 20, x: 10, y: -1_000 + Double(k % 7) * 30, z: 40)
        }
        events += try run(standing, &p)
        #expect(events.filter { $0.type == .fall }.map(\.phase) == [.preAlarm, .cleared])
        #expect(events.last { $0.type == .fall }?.values["recovered"] == 1)
    }

    /// A device clipped on sideways (turned 60° about z) by a worker who falls before standing or walking long
    /// enough to show their upright: lying on the side then reads 33° from the profile's upright, which would
    /// pass for getting up and clear the pre-alarm. Getting up is measured from the trunk before the impact.
    @Test func aWorkerLyingAfterAFallIsNotTakenForStandingOnADeviceWornSideways() throws {
        let c = cos(60 * Double.pi / 180), s = sin(60 * Double.pi / 180)
        let fall = try SharedData.motion("F08_SA01_R05").map {
            AccelSample(timeMs: $0.timeMs, x: c * $0.x - s * $0.y, y: s * $0.x + c * $0.y, z: $0.z)
        }
        let last = fall.suffix(50)
        let lyingDirection = Vector3(
            x: last.map(\.x).reduce(0, +), y: last.map(\.y).reduce(0, +), z: last.map(\.z).reduce(0, +))
        try #require(lyingDirection.degrees(to: Vector3(x: 0, y: -1, z: 0)) < 40)
        var p = MotionPipeline(worker: "w1")
        let events = try run(fall + lying(after: fall, seconds: 20), &p)
        #expect(events.filter { $0.type == .fall }.map(\.phase) == [.preAlarm, .alarm])
    }

    @Test func cancellingClearsThePreAlarm() throws {
        let fall = try SharedData.motion("F03_SA02_R01")
        var p = MotionPipeline(worker: "w1")
        _ = try run(fall, &p)
        #expect(p.fall.isPreAlarm)
        #expect(p.fall.cancel(atMs: fall.last!.timeMs + 1).first?.values["cancelled"] == 1)
        #expect(!p.fall.isPreAlarm)
    }

    @Test(arguments: ["D03_SA01_R01", "D06_SA02_R01", "D11_SA01_R01", "D18_SA01_R01", "D19_SA01_R01"])
    func vigorousActivityIsNotAFall(name: String) throws {
        var p = MotionPipeline(worker: "w1")
        let events = try run(try SharedData.motion(name), &p) + p.finish()
        #expect(!events.contains { $0.type == .fall })
    }

    @Test func replayIsDeterministicAndStateSurvivesARestart() throws {
        let fall = try SharedData.motion("F05_SA03_R01")
        var a = MotionPipeline(worker: "w1")
        let whole = try run(fall, &a)
        var b = MotionPipeline(worker: "w1")
        let firstHalf = try run(Array(fall.prefix(300)), &b)
        var restored = try JSONDecoder().decode(MotionPipeline.self, from: JSONEncoder().encode(b))
        let secondHalf = try run(Array(fall.dropFirst(300)), &restored)
        #expect(firstHalf + secondHalf == whole)
        #expect(whole.contains { $0.type == .fall })
    }

    @Test func badSamplesAreRejectedAndNeverClearAnAlarm() throws {
        let fall = try SharedData.motion("F01_SA01_R01")
        var p = MotionPipeline(worker: "w1")
        _ = try run(fall, &p)
        let t = fall.last!.timeMs
        #expect(throws: SampleRejection.self) { try p.ingest(AccelSample(timeMs: t + 20, x: .nan, y: 0, z: 0)) }
        #expect(throws: SampleRejection.self) { try p.ingest(AccelSample(timeMs: t + 20, x: 1e9, y: 0, z: 0)) }
        #expect(throws: SampleRejection.outOfOrder(lastMs: t, gotMs: t - 20)) {
            try p.ingest(AccelSample(timeMs: t - 20, x: 0, y: -1_000, z: 0))
        }
        #expect(throws: SampleRejection.duplicate(timeMs: t)) { try p.ingest(AccelSample(timeMs: t, x: 0, y: -1_000, z: 0)) }
        #expect(p.fall.isPreAlarm)
    }

    @Test func aGapScoresThePendingImpactInsteadOfLosingIt() throws {
        let fall = try SharedData.motion("F01_SA01_R01")
        var p = MotionPipeline(worker: "w1")
        let peak = try #require(fall.indices.max { mag(fall[$0]) < mag(fall[$1]) })
        // The stream stops 1.5 s after the impact, then resumes 10 s later.
        var events = try run(Array(fall.prefix(peak + 75)), &p)
        #expect(!events.contains { $0.type == .fall })
        let later = fall[peak + 75]
        events += try p.ingest(AccelSample(timeMs: later.timeMs + 10_000, x: later.x, y: later.y, z: later.z))
        #expect(events.contains { $0.type == .fall && $0.phase == .preAlarm })
    }

    func mag(_ s: AccelSample) -> Double { (s.x * s.x + s.y * s.y + s.z * s.z).squareRoot() }

    /// The whole development set, in-sample: a regression guard for the
    /// shipped model (held-out figures: scripts/fall-model/train.py, docs/detection.md).
    @Test func theShippedModelSeparatesTheDevelopmentSet() throws {
        var falls = 0, detected = 0, activities = 0, quiet = 0
        for name in try SharedData.sisfallNames() {
            var p = MotionPipeline(worker: "w1")
            let events = try run(try SharedData.motion(name), &p) + p.finish()
            let fell = events.contains { $0.type == .fall }
            if name.hasPrefix("F") {
                falls += 1
                if fell { detected += 1 }
            } else {
                activities += 1
                if !fell { quiet += 1 }
            }
        }
        #expect(falls == 900 && activities == 1232)
        #expect(Double(detected) / Double(falls) >= 0.99)
        #expect(Double(quiet) / Double(activities) >= 0.99)
    }
}
