/// The wearer's upright: the direction of gravity, in the device's axes, when
/// this wearer stands or walks.
///
/// Why: a device's axes are not the trunk's. A belt clip leans, a chest
/// harness sits at another angle, a shoulder strap at a third, a device may be
/// clipped on sideways; tilt measured from a fixed axis (the device profile's)
/// is then off by that angle, and a worker standing might read as lying. Tilt
/// from the upright this wearer showed is not (docs/detection.md, "Why
/// running once raised pre-alarms").
///
/// Two kinds of evidence, seen in 2-s blocks:
/// - **Walking or running** (two blocks in a row that move: |a| varies by
///   0.1 g or more, crossing its mean at a step's rhythm, 2–8 times a second;
///   gravity, the mean vector, within 0.15 g of 1 g and turned less than 15°
///   from one block to the next): people walk and run upright, so the mean
///   vector is the upright whatever the angle to the profile's. It keeps
///   being learned while the wearer walks, so a device that slips is
///   followed.
/// - **Standing still** (|a| within 0.1 g of 1 g, its standard deviation
///   under 0.05 g) within 45° of the profile's upright, taken once, until the
///   wearer has walked: standing is indistinguishable from sitting still, so
///   a still block further off (someone sitting or lying when the device came
///   on) is not taken, and walking overrides it.
///
/// Until either is seen, the profile's upright stands.
struct UprightEstimator: Codable, Sendable, Equatable {
    /// The device profile's upright: the fallback, and what a still block must be near.
    let profile: Vector3
    /// Samples in a block: 2 s.
    let window: Int
    private(set) var learned: Vector3?
    private var block = Block()
    /// The previous block's mean vector, if it moved at a step's rhythm.
    private var previousStepping: Vector3?

    static let trustDeg = 45.0

    init(profile: Vector3, rateHz: Double) {
        self.profile = profile
        window = Int((2 * rateHz).rounded())
    }

    /// The upright to measure tilt from.
    var upright: Vector3 { learned ?? profile }

    mutating func observe(_ v: Vector3, magnitude: Double) {
        block.add(v, magnitude: magnitude)
        guard block.count == window else { return }
        let b = block
        block = Block()
        let gravity = b.sum / Double(b.count)
        let mean = b.magnitudeSum / Double(b.count)
        let std = max(0, b.magnitudeSquares / Double(b.count) - mean * mean).squareRoot()
        let crossingsPerSecond = Double(b.crossings) / 2  // a block is 2 s
        if std >= 0.1, (2...8).contains(crossingsPerSecond), abs(gravity.norm - 1) <= 0.15 {
            if let previous = previousStepping, previous.degrees(to: gravity) < 15 {
                let walking = previous + gravity
                learned = walking / walking.norm
            }
            previousStepping = gravity
            return
        }
        previousStepping = nil
        if learned == nil, abs(mean - 1) <= 0.1, std < 0.05, gravity.degrees(to: profile) <= Self.trustDeg {
            learned = gravity / gravity.norm
        }
    }

    /// Sums over a block. |a| crossing its running mean by more than 0.05 g counts a crossing: a step's rhythm
    /// crosses twice a step, a vibration far more often, a lean once or never; the margin keeps a sensor's
    /// noise from counting.
    private struct Block: Codable, Sendable, Equatable {
        var sum = Vector3(), magnitudeSum = 0.0, magnitudeSquares = 0.0, count = 0, crossings = 0
        var above: Bool?

        mutating func add(_ v: Vector3, magnitude: Double) {
            sum = sum + v
            magnitudeSum += magnitude
            magnitudeSquares += magnitude * magnitude
            count += 1
            let mean = magnitudeSum / Double(count)
            guard abs(magnitude - mean) > 0.05 else { return }
            let isAbove = magnitude > mean
            if let above, above != isAbove { crossings += 1 }
            above = isAbove
        }
    }
}
