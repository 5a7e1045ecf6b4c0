/// The six-factor 10-year coronary heart disease risk of Wilson et al.,
/// "Prediction of Coronary Heart Disease Using Risk Factor Categories",
/// Circulation 97:1837–1847 (1998), figures 3 (men) and 4 (women): point
/// scores for age, total cholesterol (or LDL-C), HDL-C, JNC-V blood pressure
/// category, diabetes and smoking, and the 10-year risk each point total
/// carries. Taiwan's 異常工作負荷促發疾病預防指引 (2nd ed., 2019) uses these
/// tables for the cardiovascular axis of its overwork matrix.
///
/// The tables cover ages 30–74: a younger worker is scored as 30–34, an older
/// one as 70–74 (docs/detection.md, "Rules and their sources"; the guideline does the same).
public enum Framingham {
    public enum Sex: String, Codable, Sendable { case male, female }

    /// Which lipid the score uses: TC by default, LDL-C when a fasting LDL is known.
    public enum Lipid: Codable, Sendable, Equatable {
        case totalCholesterol(mgdl: Double)
        case ldl(mgdl: Double)
    }

    public struct Profile: Codable, Sendable, Equatable {
        public var sex: Sex
        public var age: Int
        public var lipid: Lipid
        public var hdlMgdl: Double
        public var systolic: Double
        public var diastolic: Double
        public var diabetes: Bool
        public var smoker: Bool

        public init(
            sex: Sex, age: Int, lipid: Lipid, hdlMgdl: Double, systolic: Double, diastolic: Double,
            diabetes: Bool, smoker: Bool
        ) {
            self.sex = sex
            self.age = age
            self.lipid = lipid
            self.hdlMgdl = hdlMgdl
            self.systolic = systolic
            self.diastolic = diastolic
            self.diabetes = diabetes
            self.smoker = smoker
        }
    }

    /// JNC-V categories; when systolic and diastolic disagree, the higher counts.
    public enum BloodPressure: Int, Codable, Sendable, Comparable {
        case optimal, normal, highNormal, stage1, stage2

        public init(systolic: Double, diastolic: Double) {
            func category(_ v: Double, _ limits: [Double]) -> Int { limits.firstIndex { v < $0 } ?? 4 }
            let s = category(systolic, [120, 130, 140, 160])
            let d = category(diastolic, [80, 85, 90, 100])
            self = BloodPressure(rawValue: max(s, d))!
        }

        public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    }

    public enum Band: String, Codable, Sendable {
        /// < 10 % in 10 years.
        case low
        /// 10–20 %.
        case moderate
        /// ≥ 20 %.
        case high
    }

    public struct Result: Codable, Sendable, Equatable {
        /// Points per factor: age, lipid, hdl, bloodPressure, diabetes, smoking.
        public var points: [String: Int]
        public var total: Int
        /// 10-year CHD risk, %.
        public var riskPercent: Double
        public var band: Band
    }

    public static func assess(_ p: Profile) -> Result {
        let t = p.sex == .male ? Tables.men : Tables.women
        let isLDL: Bool
        let lipidPoints: Int
        switch p.lipid {
        case .totalCholesterol(let v):
            isLDL = false
            lipidPoints = t.tc[bin(v, [160, 200, 240, 280])]
        case .ldl(let v):
            isLDL = true
            lipidPoints = t.ldl[bin(v, [100, 130, 160, 190])]
        }
        let ageRow = bin(Double(p.age), [35, 40, 45, 50, 55, 60, 65, 70])
        let points = [
            "age": t.age[ageRow],
            "lipid": lipidPoints,
            "hdl": (isLDL ? t.hdlWithLDL : t.hdl)[bin(p.hdlMgdl, [35, 45, 50, 60])],
            "bloodPressure": t.bloodPressure[BloodPressure(systolic: p.systolic, diastolic: p.diastolic).rawValue],
            "diabetes": p.diabetes ? t.diabetes : 0,
            "smoking": p.smoker ? t.smoker : 0,
        ]
        let total = points.values.reduce(0, +)
        let risk = isLDL ? t.riskLDL : t.riskTC
        let row = min(max(total - risk.lowest, 0), risk.percent.count - 1)
        let percent = risk.percent[row]
        return Result(
            points: points, total: total, riskPercent: percent,
            band: percent >= 20 ? .high : percent >= 10 ? .moderate : .low)
    }

    /// Index of the first limit above `v` (limits ascending), else the last row.
    private static func bin(_ v: Double, _ limits: [Double]) -> Int { limits.firstIndex { v < $0 } ?? limits.count }

    struct Risk {
        /// The point total of `percent[0]` (that total and below).
        var lowest: Int
        /// 10-year risk by point total; the last entry holds for that total and above.
        var percent: [Double]
    }

    /// Figures 3 and 4 of Wilson 1998, row by row.
    struct Tables {
        var age: [Int]  // 30–34, 35–39, …, 70–74
        var tc: [Int]  // <160, 160–199, 200–239, 240–279, ≥280 mg/dL
        var ldl: [Int]  // <100, 100–129, 130–159, 160–189, ≥190 mg/dL
        var hdl: [Int]  // <35, 35–44, 45–49, 50–59, ≥60 mg/dL (TC score)
        var hdlWithLDL: [Int]  // the same rows, LDL score
        var bloodPressure: [Int]  // optimal, normal, high normal, stage I, stage II–IV
        var diabetes: Int
        var smoker: Int
        var riskTC: Risk
        var riskLDL: Risk

        static let men = Tables(
            age: [-1, 0, 1, 2, 3, 4, 5, 6, 7],
            tc: [-3, 0, 1, 2, 3],
            ldl: [-3, 0, 0, 1, 2],
            hdl: [2, 1, 0, 0, -2],
            hdlWithLDL: [2, 1, 0, 0, -1],
            bloodPressure: [0, 0, 1, 2, 3],
            diabetes: 2, smoker: 2,
            riskTC: Risk(lowest: -1, percent: [2, 3, 3, 4, 5, 7, 8, 10, 13, 16, 20, 25, 31, 37, 45, 53]),
            riskLDL: Risk(lowest: -3, percent: [1, 2, 2, 3, 4, 4, 6, 7, 9, 11, 14, 18, 22, 27, 33, 40, 47, 56])
        )

        static let women = Tables(
            age: [-9, -4, 0, 3, 6, 7, 8, 8, 8],
            tc: [-2, 0, 1, 1, 3],
            ldl: [-2, 0, 0, 2, 2],
            hdl: [5, 2, 1, 0, -3],
            hdlWithLDL: [5, 2, 1, 0, -2],
            bloodPressure: [-3, 0, 0, 2, 3],
            diabetes: 4, smoker: 2,
            riskTC: Risk(lowest: -2, percent: [1, 2, 2, 2, 3, 3, 4, 4, 5, 6, 7, 8, 10, 11, 13, 15, 18, 20, 24, 27]),
            riskLDL: Risk(lowest: -2, percent: [1, 2, 2, 2, 3, 3, 4, 5, 6, 7, 8, 9, 11, 13, 15, 17, 20, 24, 27, 32])
        )
    }
}
