import Foundation

/// The named features of one impact, as a safety officer would describe them.
///
/// Computed around the peak of |a| at sample `j` (times at 50 Hz):
/// - `peakG`: how hard the impact was.
/// - `preMinG`: the lowest |a| in the second before it (free fall is ≈ 0 g;
///   AN-1023 uses < 0.75 g).
/// - `orientationChangeDeg`: how far the trunk turned, from its mean direction
///   2–1 s before the impact to 1–2.5 s after (Bourke 2007: posture change).
/// - `tiltAfterDeg`, `tiltBeforeDeg`: the trunk's angle from upright after and
///   before (lying ≈ 90°).
/// - `stillnessAfterG`: the standard deviation of |a| 1–2.5 s after (a fallen
///   person moves little; a stumbling or jogging one keeps moving).
/// - `meanAfterG`: mean |a| 1–2.5 s after (≈ 1 g when at rest).
/// - `impactEnergyG`: Σ | |a| − 1 g | · dt over ±0.5 s (g·s).
/// - `fallVelocityG`: the most negative running Σ (|a| − 1 g) · dt in the
///   second before the peak (g·s; × 9.81 gives the downward velocity in m/s).
/// - `activityBeforeG`: the standard deviation of |a| 2–1 s before (walking,
///   sitting, lying).
/// - `rotationDeg`: the fastest turn of the trunk, the largest angle between
///   0.1-s mean directions 0.2 s apart, from 1.5 s before to 0.5 s after.
/// - `uprightKnown`: 1 if the tilts are measured from the upright this wearer
///   showed (``UprightEstimator``), 0 if from the device profile's, which a
///   device worn askew makes wrong: how far the tilts can be trusted.
public struct FallFeatures: Codable, Sendable, Equatable {
    public var peakG: Double
    public var preMinG: Double
    public var orientationChangeDeg: Double
    public var tiltAfterDeg: Double
    public var tiltBeforeDeg: Double
    public var stillnessAfterG: Double
    public var meanAfterG: Double
    public var impactEnergyG: Double
    public var fallVelocityG: Double
    public var activityBeforeG: Double
    public var rotationDeg: Double
    public var uprightKnown: Double

    /// The model's inputs, in the order of ``names`` (logs tame the heavy tails).
    var modelInputs: [Double] {
        [
            log(peakG), preMinG, orientationChangeDeg / 90, tiltAfterDeg / 90, tiltBeforeDeg / 90,
            log(stillnessAfterG + 0.01), meanAfterG, impactEnergyG, fallVelocityG,
            log(activityBeforeG + 0.01), rotationDeg / 90, uprightKnown,
        ]
    }

    public static let names = [
        "peakG", "preMinG", "orientationChangeDeg", "tiltAfterDeg", "tiltBeforeDeg", "stillnessAfterG",
        "meanAfterG", "impactEnergyG", "fallVelocityG", "activityBeforeG", "rotationDeg", "uprightKnown",
    ]

    public var values: [String: Double] {
        Dictionary(
            uniqueKeysWithValues: zip(
                Self.names,
                [
                    peakG, preMinG, orientationChangeDeg, tiltAfterDeg, tiltBeforeDeg, stillnessAfterG,
                    meanAfterG, impactEnergyG, fallVelocityG, activityBeforeG, rotationDeg, uprightKnown,
                ]))
    }

    /// Reads the features of the impact at sample `j` from the ring. Windows
    /// reaching outside the samples held are cut to what is there.
    static func extract(ring: SampleRing, peak j: Int, rateHz: Double, upright: Vector3, uprightKnown: Bool) -> FallFeatures {
        func n(_ seconds: Double) -> Int { Int((seconds * rateHz).rounded()) }
        let dt = 1 / rateHz

        let before = ring.clamp(j - n(2), j - n(1))
        let after = ring.clamp(j + n(1), j + n(2.5) + 1)
        let preVector = postureBefore(ring: ring, peak: j, rateHz: rateHz)
        let postVector = after.isEmpty ? ring.meanVector(ring.clamp(j, j + n(2.5) + 1)) : ring.meanVector(after)
        let afterStats = ring.magnitudeStats(after)
        let hasAfter = after.count > n(0.1)

        var preMin = Double.infinity, running = 0.0, velocity = 0.0
        for k in ring.clamp(j - n(1), j + 1) {
            let m = ring.magnitude(k)
            preMin = min(preMin, m)
            running += (m - 1) * dt
            velocity = min(velocity, running)
        }
        var energy = 0.0
        for k in ring.clamp(j - n(0.5), j + n(0.5)) { energy += abs(ring.magnitude(k) - 1) * dt }

        return FallFeatures(
            peakG: ring.magnitude(j),
            preMinG: preMin.isFinite ? preMin : ring.magnitude(j),
            orientationChangeDeg: preVector.degrees(to: postVector),
            tiltAfterDeg: postVector.degrees(to: upright),
            tiltBeforeDeg: preVector.degrees(to: upright),
            stillnessAfterG: hasAfter ? afterStats.std : 1,
            meanAfterG: hasAfter ? afterStats.mean : 1,
            impactEnergyG: energy,
            fallVelocityG: velocity,
            activityBeforeG: ring.magnitudeStats(before).std,
            rotationDeg: fastestTurn(
                ring: ring, range: ring.clamp(j - n(1.5), j + n(0.5)),
                smooth: n(0.1), apart: n(0.2)),
            uprightKnown: uprightKnown ? 1 : 0
        )
    }

    /// The trunk's mean direction 2–1 s before the impact at `j` (the oldest sample if none is that old).
    static func postureBefore(ring: SampleRing, peak j: Int, rateHz: Double) -> Vector3 {
        func n(_ seconds: Double) -> Int { Int((seconds * rateHz).rounded()) }
        let before = ring.clamp(j - n(2), j - n(1))
        return before.isEmpty ? ring.vector(ring.clamp(j - n(2), j + 1).lowerBound) : ring.meanVector(before)
    }

    private static func fastestTurn(ring: SampleRing, range: Range<Int>, smooth: Int, apart: Int) -> Double {
        guard range.count >= smooth + apart else { return 0 }
        var best = 0.0
        for start in range.lowerBound...(range.upperBound - smooth - apart) {
            let a = ring.meanVector(start..<(start + smooth))
            let b = ring.meanVector((start + apart)..<(start + apart + smooth))
            best = max(best, a.degrees(to: b))
        }
        return best
    }
}
