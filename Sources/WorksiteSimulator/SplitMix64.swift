/// A small seeded generator (Steele, Lea & Flood 2014, "Fast splittable
/// pseudorandom number generators"), so a scenario and a seed always give the
/// same bytes.
struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Approximately normal (sum of four uniforms), mean 0, standard deviation `sd`.
    mutating func noise(_ sd: Double) -> Double {
        var s = 0.0
        for _ in 0..<4 { s += Double.random(in: -0.5...0.5, using: &self) }
        return s * sd * 1.732
    }
}
