/// The wearable's part of the overwork assessment: points for resting heart
/// rate, last night's sleep and HRV, and whether the worker is severely
/// fatigued. It needs no health record, so the agent can judge it on its own.
///
/// Points (docs/detection.md, "Rules and their sources"; sources in ``OverworkAssessment``):
/// resting heart rate > 80 bpm +5, > 90 bpm +10; sleep < 7 h +5, < 6 h +10;
/// RMSSD below 70 % of the worker's baseline +5, below 50 % +10, or with no
/// baseline below 30 ms +5, below 19 ms +10. A factor not measured scores 0.
/// *Severe fatigue*: two or more factors at their worst step (10 points).
public struct Physiology: Codable, Sendable, Equatable {
    /// `restingHeartRate`, `sleep`, `hrv`.
    public var points: [String: Double]
    public var severeFatigue: Bool

    public init(restingHeartRate: Double?, sleepHours: Double?, rmssd: Double?, rmssdBaseline: Double? = nil) {
        let heart: Double = restingHeartRate.map { $0 > 90 ? 10 : $0 > 80 ? 5 : 0 } ?? 0
        let sleep: Double = sleepHours.map { $0 < 6 ? 10 : $0 < 7 ? 5 : 0 } ?? 0
        let hrv: Double =
            rmssd.map { rmssd in
                if let baseline = rmssdBaseline, baseline > 0 {
                    return rmssd < 0.5 * baseline ? 10 : rmssd < 0.7 * baseline ? 5 : 0
                }
                return rmssd < 19 ? 10 : rmssd < 30 ? 5 : 0
            } ?? 0
        points = ["restingHeartRate": heart, "sleep": sleep, "hrv": hrv]
        severeFatigue = points.values.filter { $0 >= 10 }.count >= 2
    }
}
