/// A worker's overwork risk: the guideline's matrix of 10-year cardiovascular
/// risk × workload, raised by what the wearable measures, as a score 0–100, a
/// level and each factor's contribution, so a nurse or physician can see why.
///
/// The guideline part follows Taiwan's 異常工作負荷促發疾病預防指引 (2nd ed.,
/// 2019). The physiology points are Canary's own choice, each from a source
/// (docs/detection.md, "Rules and their sources"):
/// - resting heart rate > 80 bpm +5, > 90 bpm +10 (Zhang 2016, CMAJ
///   188:E53: mortality rises with each 10 bpm above 60–80);
/// - last night's sleep < 7 h +5, < 6 h +10 (AASM/SRS 2015: < 7 h is not
///   adequate; Cheng 2014: < 6 h raises cardiovascular risk);
/// - RMSSD below 70 % of the worker's own baseline +5, below 50 % +10; with
///   no baseline yet, below 30 ms +5, below 19 ms +10 (Nunan 2010 short-term
///   norm 42 ± 15 ms, 19 ms its lower range).
///
/// Score = matrix points (0 / 35 / 70) + physiology points, at most 100.
/// Level: < 35 low, 35–69 moderate, ≥ 70 high.
/// *Severe fatigue* (an immediate alarm): two or more physiology factors at
/// their worst step, i.e. any two of resting HR > 90, sleep < 6 h, RMSSD
/// below half the baseline.
public struct OverworkAssessment: Codable, Sendable, Equatable {
    public enum Level: String, Codable, Sendable { case low, moderate, high }

    public struct Inputs: Codable, Sendable, Equatable {
        public var profile: Framingham.Profile
        public var workload: Workload
        public var restingHeartRate: Double?
        public var sleepHours: Double?
        public var rmssd: Double?
        /// The worker's own RMSSD baseline (e.g. the median of rested mornings).
        public var rmssdBaseline: Double?

        public init(
            profile: Framingham.Profile, workload: Workload, restingHeartRate: Double? = nil,
            sleepHours: Double? = nil, rmssd: Double? = nil, rmssdBaseline: Double? = nil
        ) {
            self.profile = profile
            self.workload = workload
            self.restingHeartRate = restingHeartRate
            self.sleepHours = sleepHours
            self.rmssd = rmssd
            self.rmssdBaseline = rmssdBaseline
        }
    }

    public var cardiovascular: Framingham.Result
    public var workloadLevel: Workload.Level
    /// The guideline's matrix cell: 0 low, 1 moderate, 2 high.
    public var matrixLevel: Int
    public var score: Double
    public var level: Level
    /// Points by factor: `matrix`, `restingHeartRate`, `sleep`, `hrv`.
    public var contributions: [String: Double]
    public var severeFatigue: Bool

    /// Rows: CVD band low, moderate, high; columns: workload low, medium, high.
    static let matrix = [[0, 0, 1], [0, 1, 2], [1, 2, 2]]

    public init(_ inputs: Inputs) {
        cardiovascular = Framingham.assess(inputs.profile)
        workloadLevel = inputs.workload.level
        let band =
            switch cardiovascular.band {
            case .low: 0
            case .moderate: 1
            case .high: 2
            }
        matrixLevel = Self.matrix[band][workloadLevel.rawValue]

        let physiology = Physiology(
            restingHeartRate: inputs.restingHeartRate, sleepHours: inputs.sleepHours,
            rmssd: inputs.rmssd, rmssdBaseline: inputs.rmssdBaseline)
        contributions = physiology.points.merging(["matrix": Double(matrixLevel) * 35]) { a, _ in a }
        score = min(100, contributions.values.reduce(0, +))
        level = score >= 70 ? .high : score >= 35 ? .moderate : .low
        severeFatigue = physiology.severeFatigue
    }
}

/// Turns successive assessments of one worker into fatigue alarms: raised
/// when severe fatigue appears, cleared when it is gone.
public struct FatigueMonitor: Codable, Sendable, Equatable {
    public let worker: String
    public private(set) var isActive = false

    public init(worker: String) { self.worker = worker }

    public mutating func update(_ a: OverworkAssessment, atMs t: Int64, location: Location? = nil) -> [SafetyEvent] {
        var values = a.contributions
        values["score"] = a.score
        return update(severeFatigue: a.severeFatigue, values: values, atMs: t, location: location)
    }

    /// `values` go with the event: what the judgement saw.
    public mutating func update(
        severeFatigue: Bool, values: [String: Double], atMs t: Int64,
        location: Location? = nil
    ) -> [SafetyEvent] {
        guard severeFatigue != isActive else { return [] }
        isActive = severeFatigue
        return [
            SafetyEvent(
                worker: worker, type: .fatigue, phase: isActive ? .alarm : .cleared,
                severity: isActive ? .alarm : .info, timeMs: t, values: values, location: location)
        ]
    }
}
