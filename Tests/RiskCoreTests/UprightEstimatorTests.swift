import Foundation
import Testing

@testable import RiskCore

/// The wearer's upright, learned from standing still or walking: a device worn
/// askew measures tilt as a straight one does.
@Suite struct UprightEstimatorTests {
    /// `samples` as a device turned `degrees` about its x axis records them.
    func tilted(_ samples: [AccelSample], _ degrees: Double) -> [AccelSample] {
        let c = cos(degrees * .pi / 180), s = sin(degrees * .pi / 180)
        return samples.map { AccelSample(timeMs: $0.timeMs, x: $0.x, y: c * $0.y - s * $0.z, z: s * $0.y + c * $0.z) }
    }

    /// 3 s of standing still before `samples`, as when the device is put on at the start of a shift.
    func standing(before samples: [AccelSample]) -> [AccelSample] {
        let t0 = samples[0].timeMs
        return (0..<150).map { AccelSample(timeMs: t0 - 3_000 + Int64($0) * 20, x: 0, y: -1_000, z: 0) } + samples
    }

    func candidates(_ samples: [AccelSample]) throws -> [FallDetector.Candidate] {
        var p = MotionPipeline(worker: "w1")
        p.fall.recordsCandidates = true
        for s in samples { _ = try p.ingest(s) }
        _ = p.finish()
        return p.fall.candidates
    }

    @Test func aDeviceWornAskewMeasuresTiltFromTheWearersUpright() throws {
        let fall = standing(before: try SharedData.motion("F01_SA01_R01"))
        let straight = try candidates(fall), askew = try candidates(tilted(fall, 30))
        try #require(straight.count == askew.count && !straight.isEmpty)
        for (a, b) in zip(straight, askew) {
            #expect(abs(a.features.tiltAfterDeg - b.features.tiltAfterDeg) < 2, "\(a.features.tiltAfterDeg) vs \(b.features.tiltAfterDeg)")
            #expect(abs(a.features.tiltBeforeDeg - b.features.tiltBeforeDeg) < 2, "\(a.features.tiltBeforeDeg) vs \(b.features.tiltBeforeDeg)")
            #expect(a.isFall == b.isFall)
        }
        #expect(askew.contains { $0.isFall })
    }

    @Test func lyingOrMovingIsNotTakenForUpright() {
        let profile = Vector3(x: 0, y: -1, z: 0)
        var e = UprightEstimator(profile: profile, rateHz: 50)
        // Lying when the device came on: 90° from the profile, still. Not upright; the profile stands.
        for _ in 0..<100 { e.observe(Vector3(x: 0, y: 0, z: 1), magnitude: 1) }
        #expect(e.learned == nil && e.upright == profile)
        // A vibration (25 Hz, as riding a machine): neither still nor a step's rhythm.
        for k in 0..<200 {
            let v = Vector3(x: 0, y: 0.3 + (k % 2 == 0 ? 0.3 : -0.3), z: 0.95)
            e.observe(v, magnitude: v.norm)
        }
        #expect(e.learned == nil)
        // Then standing still, the device leaning 20°: that is the wearer's upright.
        let lean = Vector3(x: 0, y: -cos(20 * .pi / 180), z: -sin(20 * .pi / 180))
        for _ in 0..<100 { e.observe(lean, magnitude: 1) }
        #expect(abs(e.upright.degrees(to: profile) - 20) < 0.01)
        // Learned once: lying down later changes nothing.
        for _ in 0..<100 { e.observe(Vector3(x: 0, y: 0, z: 1), magnitude: 1) }
        #expect(abs(e.upright.degrees(to: profile) - 20) < 0.01)
    }

    /// |a| of a wearer walking at 2 steps a second (±0.3 g), gravity along `up`, one 50 Hz sample.
    func step(_ k: Int, up: Vector3) -> Vector3 {
        let g = 1 + 0.3 * sin(2 * .pi * 2 * Double(k) / 50)
        return Vector3(x: up.x * g, y: up.y * g, z: up.z * g)
    }

    @Test func walkingShowsTheUprightAtAnyAngleAndOverridesAStillStart() {
        let profile = Vector3(x: 0, y: -1, z: 0)
        var e = UprightEstimator(profile: profile, rateHz: 50)
        // Sitting still, 30° back, when the device came on: within 45°, taken for upright for now.
        let sitting = Vector3(x: 0, y: -cos(30 * .pi / 180), z: sin(30 * .pi / 180))
        for _ in 0..<100 { e.observe(sitting, magnitude: 1) }
        #expect(abs(e.upright.degrees(to: sitting)) < 0.01)
        // Then walking with the device clipped on sideways, 70° from the profile's upright: people walk upright.
        let sideways = Vector3(x: sin(70 * .pi / 180), y: -cos(70 * .pi / 180), z: 0)
        for k in 0..<200 {
            let v = step(k, up: sideways)
            e.observe(v, magnitude: v.norm)
        }
        #expect(e.upright.degrees(to: sideways) < 1, "\(e.upright.degrees(to: sideways))°")
        // Lying still afterwards, or a still block near the profile, changes nothing: walking was seen.
        for _ in 0..<100 { e.observe(profile, magnitude: 1) }
        #expect(e.upright.degrees(to: sideways) < 1)
    }

    /// The third lab's failure, on SisFall: a runner whose device is worn askew never stands still, so the
    /// profile's upright, 30° off and more, stood throughout, and foot strikes read as impacts of a trunk
    /// tilted 50–70°. Running shows the upright within two blocks (4 s); after that the tilts are the
    /// straight device's, and no impact is a fall.
    @Test func aRunnerWithADeviceAskewIsMeasuredFromTheirOwnUpright() throws {
        let run = try SharedData.motion("D04_SE01_R01")
        let straight = try candidates(run), askew = try candidates(tilted(run, 30))
        let t0 = run[0].timeMs
        let later = askew.filter { $0.peakTimeMs - t0 >= 4_000 }
        try #require(later.count >= 10)
        for c in later {
            let same = try #require(straight.first { $0.peakTimeMs == c.peakTimeMs })
            #expect(abs(c.features.tiltBeforeDeg - same.features.tiltBeforeDeg) < 5)
            #expect(c.features.uprightKnown == 1)
            #expect(!c.isFall, "\(c)")
        }
    }
}
