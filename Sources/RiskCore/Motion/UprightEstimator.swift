/// The wearer's upright, learned in the first seconds of wear: the direction
/// of gravity, in the device's axes, over the first 2 s in which the device is
/// still (|a| within 0.1 g of 1 g, its standard deviation under 0.05 g).
///
/// Why: a device's axes are not the trunk's. A belt clip leans, a chest
/// harness sits at another angle, a shoulder strap at a third; tilt measured
/// from a fixed axis (the device profile's) is then off by that angle, and a
/// worker standing might read as leaning. Tilt from the upright this wearer
/// showed is not (docs/detection.md, "On other devices").
///
/// A still window more than 45° from the profile's upright is not taken: that
/// is a worker sitting or lying when the device came on, not a device worn
/// askew (no mounting turns a trunk sensor further); the estimator waits for
/// the next still window. Until one is taken, the profile's upright stands.
struct UprightEstimator: Codable, Sendable, Equatable {
    /// The device profile's upright: the fallback, and what a learned upright must be near.
    let profile: Vector3
    /// Samples in a window: 2 s.
    let window: Int
    private(set) var learned: Vector3?
    private var sum = Vector3(), magnitudeSum = 0.0, magnitudeSquares = 0.0, count = 0

    static let trustDeg = 45.0

    init(profile: Vector3, rateHz: Double) {
        self.profile = profile
        window = Int((2 * rateHz).rounded())
    }

    /// The upright to measure tilt from.
    var upright: Vector3 { learned ?? profile }

    mutating func observe(_ v: Vector3, magnitude: Double) {
        guard learned == nil else { return }
        sum = sum + v
        magnitudeSum += magnitude
        magnitudeSquares += magnitude * magnitude
        count += 1
        guard count == window else { return }
        let mean = magnitudeSum / Double(count)
        let std = max(0, magnitudeSquares / Double(count) - mean * mean).squareRoot()
        let direction = sum / Double(count)
        if abs(mean - 1) <= 0.1, std < 0.05, direction.degrees(to: profile) <= Self.trustDeg {
            learned = direction / direction.norm
        }
        sum = Vector3()
        magnitudeSum = 0
        magnitudeSquares = 0
        count = 0
    }
}
