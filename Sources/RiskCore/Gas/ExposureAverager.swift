/// Time-weighted exposure for STEL (15-minute moving average) and TWA (8-hour).
///
/// Concentration is held from one reading to the next (sample-and-hold). A
/// gap longer than the stale limit contributes only up to that limit: the
/// rest is unknown, and the stale-reading alarm says so. TWA divides by 8 h
/// whatever the shift length (docs/detection.md). The 15-minute window moves in
/// 15-second buckets, so the average is over the last 14¾–15 minutes.
/// The whole state is Codable, so both survive an agent restart.
struct ExposureAverager: Codable, Sendable, Equatable {
    static let bucketMs: Int64 = 15_000
    static let stelWindowMs: Int64 = 15 * 60_000
    static let twaPeriodMs: Double = 8 * 3_600_000
    private static let bucketCount = Int(stelWindowMs / bucketMs)

    /// Concentration × ms per bucket, a ring indexed by bucket number.
    private var buckets = [Double](repeating: 0, count: bucketCount)
    private var newestBucket: Int64?
    private var lastTimeMs: Int64?
    private var lastValue: Double = 0
    /// Σ C·t since the shift started (concentration × ms).
    private(set) var shiftDose: Double = 0

    mutating func startShift() { shiftDose = 0 }

    mutating func add(value: Double, atMs timeMs: Int64, maxGapMs: Int64) {
        if let lastTimeMs, timeMs > lastTimeMs {
            integrate(value: lastValue, from: lastTimeMs, to: min(timeMs, lastTimeMs + maxGapMs))
        }
        lastTimeMs = timeMs
        lastValue = value
    }

    /// 15-minute moving average at `timeMs` (the time of the last reading).
    func stel(atMs timeMs: Int64) -> Double {
        let current = timeMs / Self.bucketMs
        guard let newestBucket, newestBucket > current - Int64(Self.bucketCount) else { return 0 }
        var sum = 0.0
        for n in (current - Int64(Self.bucketCount) + 1)...min(current, newestBucket) {
            sum += buckets[slot(n)]
        }
        return sum / Double(Self.stelWindowMs)
    }

    var twa: Double { shiftDose / Self.twaPeriodMs }

    private mutating func integrate(value: Double, from start: Int64, to end: Int64) {
        var t = start
        while t < end {
            let bucket = t / Self.bucketMs
            advance(to: bucket)
            let stop = min(end, (bucket + 1) * Self.bucketMs)
            let dose = value * Double(stop - t)
            buckets[slot(bucket)] += dose
            shiftDose += dose
            t = stop
        }
    }

    /// Zeroes buckets that the window has moved past.
    private mutating func advance(to bucket: Int64) {
        guard let newest = newestBucket else {
            newestBucket = bucket
            return
        }
        guard bucket > newest else { return }
        let stale = min(bucket - newest, Int64(Self.bucketCount))
        for k in 1...stale { buckets[slot(newest + k)] = 0 }
        newestBucket = bucket
    }

    private func slot(_ bucket: Int64) -> Int {
        Int(((bucket % Int64(Self.bucketCount)) + Int64(Self.bucketCount)) % Int64(Self.bucketCount))
    }
}
