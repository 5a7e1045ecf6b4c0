/// The workload axis of Taiwan's 異常工作負荷促發疾病預防指引 (2nd ed., 2019):
/// the highest of three measures (docs/detection.md, "Rules and their sources").
public struct Workload: Codable, Sendable, Equatable {
    public enum Level: Int, Codable, Sendable, Comparable {
        case low, medium, high
        public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    }

    /// Overtime hours last month.
    public var overtimeLastMonth: Double
    /// Average monthly overtime hours over months 2–6 before now (nil: unknown).
    public var overtimeAverageMonths2to6: Double?
    /// Copenhagen Burnout Inventory, personal burnout score 0–100 (nil: not surveyed).
    public var personalBurnout: Double?
    /// Copenhagen Burnout Inventory, work-related burnout score 0–100.
    public var workBurnout: Double?

    public init(
        overtimeLastMonth: Double, overtimeAverageMonths2to6: Double? = nil,
        personalBurnout: Double? = nil, workBurnout: Double? = nil
    ) {
        self.overtimeLastMonth = overtimeLastMonth
        self.overtimeAverageMonths2to6 = overtimeAverageMonths2to6
        self.personalBurnout = personalBurnout
        self.workBurnout = workBurnout
    }

    /// Overtime: < 45 h low; ≥ 45 h medium; > 100 h last month or > 80 h/month
    /// over months 2–6 high. Personal burnout < 50 / 50–70 / > 70; work
    /// burnout < 45 / 45–60 / > 60.
    public var overtimeLevel: Level {
        if overtimeLastMonth > 100 || (overtimeAverageMonths2to6 ?? 0) > 80 { return .high }
        return overtimeLastMonth >= 45 || (overtimeAverageMonths2to6 ?? 0) >= 45 ? .medium : .low
    }

    public var personalBurnoutLevel: Level { personalBurnout.map { $0 > 70 ? .high : $0 >= 50 ? .medium : .low } ?? .low }
    public var workBurnoutLevel: Level { workBurnout.map { $0 > 60 ? .high : $0 >= 45 ? .medium : .low } ?? .low }

    public var level: Level { max(overtimeLevel, personalBurnoutLevel, workBurnoutLevel) }
}
