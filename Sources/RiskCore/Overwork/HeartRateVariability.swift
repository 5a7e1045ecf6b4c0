/// Heart rate and time-domain HRV from beat-to-beat (RR) intervals.
///
/// Artefact rejection: an interval outside 300–2000 ms (200–30 bpm) is not a
/// heartbeat; one differing from the previous accepted interval by more than
/// 20 % is an ectopic beat or a missed detection (the Malik criterion, Task
/// Force of the ESC/NASPE 1996, Circulation 93:1043). RMSSD uses only
/// successive pairs of accepted beats, so one artefact never joins two
/// unrelated beats.
public struct HeartRateVariability: Codable, Sendable, Equatable {
    public var meanHeartRate: Double
    /// Root mean square of successive differences, ms: parasympathetic tone.
    public var rmssd: Double
    /// Standard deviation of the accepted intervals, ms.
    public var sdnn: Double
    public var acceptedBeats: Int
    public var rejectedBeats: Int

    /// Nil when fewer than 30 beats survive: too little to judge.
    public init?(rrIntervalsMs: [Double]) {
        var accepted: [Double] = []
        var squares = 0.0, pairs = 0, rejected = 0
        var previous: Double?
        for rr in rrIntervalsMs {
            guard rr.isFinite, (300...2000).contains(rr) else {
                rejected += 1
                previous = nil
                continue
            }
            if let p = previous, abs(rr - p) > 0.2 * p {
                rejected += 1
                previous = nil
                continue
            }
            if let p = previous {
                squares += (rr - p) * (rr - p)
                pairs += 1
            }
            accepted.append(rr)
            previous = rr
        }
        guard accepted.count >= 30, pairs > 0 else { return nil }
        let mean = accepted.reduce(0, +) / Double(accepted.count)
        let variance = accepted.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(accepted.count - 1)
        meanHeartRate = 60_000 / mean
        rmssd = (squares / Double(pairs)).squareRoot()
        sdnn = variance.squareRoot()
        acceptedBeats = accepted.count
        rejectedBeats = rejected
    }
}
