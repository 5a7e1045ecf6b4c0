import DaemonSupport
import RiskCore

/// A worker's occupational health record: the six factors of the Framingham
/// score and the workload measures of the overwork guideline (docs/detection.md,
/// "Rules and their sources"). With one, the agent computes the worker's overwork score
/// each time the heart wearable's window is judged; without one, it judges
/// severe fatigue only.
///
/// Health records are sensitive personal data, so they are not in the agent's
/// config but in a file of their own (its `health:` key), which occupational
/// health staff keep and only the agent's user can read. Every factor is
/// required: a record with a factor missing is an error, never a guess.
public struct HealthRecord: Sendable, Equatable {
    public var profile: Framingham.Profile
    public var workload: Workload

    public init(profile: Framingham.Profile, workload: Workload) {
        self.profile = profile
        self.workload = workload
    }

    /// The file, by worker id:
    ///
    /// ```yaml
    /// workers:
    ///   - id: chen
    ///     sex: male                      # male | female
    ///     age: 52
    ///     total_cholesterol_mgdl: 230    # or ldl_mgdl (fasting LDL-C), not both
    ///     hdl_mgdl: 42
    ///     systolic_mmhg: 138
    ///     diastolic_mmhg: 86
    ///     diabetes: false
    ///     smoker: true
    ///     overtime_last_month_h: 60
    ///     overtime_months_2_to_6_h: 50   # optional: monthly average over months 2–6 before now
    ///     personal_burnout: 55           # optional: Copenhagen Burnout Inventory, 0–100
    ///     work_burnout: 48               # optional
    /// ```
    public static func read(_ root: ConfigSection) throws(ConfigError) -> [String: HealthRecord] {
        var records: [String: HealthRecord] = [:]
        for w in try root.sections("workers") {
            let id = try w.requiredString("id")
            guard records[id] == nil else { throw w.error("id", "'\(id)' has two records") }
            records[id] = try record(w)
        }
        try root.finish()
        return records
    }

    private static func record(_ w: ConfigSection) throws(ConfigError) -> HealthRecord {
        func required(_ key: String) throws(ConfigError) {
            guard w.has(key) else { throw w.error(key, "is required") }
        }
        func number(_ key: String, _ range: ClosedRange<Double>) throws(ConfigError) -> Double {
            try required(key)
            return try w.double(key, default: 0, in: range)
        }
        func optional(_ key: String, _ range: ClosedRange<Double>) throws(ConfigError) -> Double? {
            w.has(key) ? try w.double(key, default: 0, in: range) : nil
        }
        func flag(_ key: String) throws(ConfigError) -> Bool {
            try required(key)
            return try w.bool(key, default: false)
        }
        let sex: Framingham.Sex
        switch try w.requiredString("sex") {
        case "male": sex = .male
        case "female": sex = .female
        case let other: throw w.error("sex", "must be male or female (found '\(other)')")
        }
        try required("age")
        let age = try w.int("age", default: 0, in: 15...100)
        let lipid: Framingham.Lipid
        switch (w.has("total_cholesterol_mgdl"), w.has("ldl_mgdl")) {
        case (true, false): lipid = .totalCholesterol(mgdl: try number("total_cholesterol_mgdl", 50...600))
        case (false, true): lipid = .ldl(mgdl: try number("ldl_mgdl", 20...500))
        case (true, true): throw w.error("ldl_mgdl", "give total_cholesterol_mgdl or ldl_mgdl, not both")
        case (false, false): throw w.error("total_cholesterol_mgdl", "is required (or ldl_mgdl)")
        }
        let profile = Framingham.Profile(
            sex: sex, age: age, lipid: lipid, hdlMgdl: try number("hdl_mgdl", 5...200),
            systolic: try number("systolic_mmhg", 60...300), diastolic: try number("diastolic_mmhg", 30...200),
            diabetes: try flag("diabetes"), smoker: try flag("smoker"))
        let workload = Workload(
            overtimeLastMonth: try number("overtime_last_month_h", 0...744),
            overtimeAverageMonths2to6: try optional("overtime_months_2_to_6_h", 0...744),
            personalBurnout: try optional("personal_burnout", 0...100),
            workBurnout: try optional("work_burnout", 0...100))
        return HealthRecord(profile: profile, workload: workload)
    }

    /// The overwork assessment with what the heart wearable's last judgement saw.
    public func assessment(_ judged: FatigueDetector.Judgement) -> OverworkAssessment {
        OverworkAssessment(
            .init(
                profile: profile, workload: workload, restingHeartRate: judged.restingHeartRate,
                sleepHours: judged.sleepHours, rmssd: judged.rmssd))
    }
}
