/// The last few seconds of accelerometer samples, addressed by their absolute
/// sample number, so windows around a past impact can be read back.
struct SampleRing: Codable, Sendable, Equatable {
    private var vectors: [Vector3]
    private var magnitudes: [Double]
    /// Number of samples ever pushed; sample `n` lives at `n % capacity`.
    private(set) var count = 0

    init(capacity: Int) {
        vectors = Array(repeating: Vector3(), count: capacity)
        magnitudes = Array(repeating: 0, count: capacity)
    }

    var capacity: Int { vectors.count }
    /// The oldest sample number still held.
    var oldest: Int { max(0, count - capacity) }

    mutating func push(_ v: Vector3, magnitude: Double) {
        vectors[count % capacity] = v
        magnitudes[count % capacity] = magnitude
        count += 1
    }

    mutating func removeAll() { count = 0 }

    func vector(_ n: Int) -> Vector3 { vectors[n % capacity] }
    func magnitude(_ n: Int) -> Double { magnitudes[n % capacity] }

    /// Clamps `[from, to)` to the samples held.
    func clamp(_ from: Int, _ to: Int) -> Range<Int> {
        let lo = max(from, oldest)
        let hi = min(to, count)
        return lo < hi ? lo..<hi : lo..<lo
    }

    func meanVector(_ r: Range<Int>) -> Vector3 {
        guard !r.isEmpty else { return Vector3() }
        var s = Vector3()
        for n in r { s = s + vector(n) }
        return s / Double(r.count)
    }

    /// Mean and standard deviation of |a| over the range.
    func magnitudeStats(_ r: Range<Int>) -> (mean: Double, std: Double) {
        guard !r.isEmpty else { return (0, 0) }
        var s = 0.0, s2 = 0.0
        for n in r {
            let m = magnitude(n)
            s += m
            s2 += m * m
        }
        let mean = s / Double(r.count)
        return (mean, max(0, s2 / Double(r.count) - mean * mean).squareRoot())
    }
}
