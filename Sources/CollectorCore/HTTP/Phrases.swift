import Wire

/// One language's phrases for ``AlertWords``. Gas names are those of the
/// Occupational Safety and Health Administration's Chinese terms (硫化氫,
/// 一氧化碳, 氧氣, 可燃性氣體); floors without a name in the plan read as numbers.
struct Phrases: Sendable {
    var gas: @Sendable (String) -> (name: String, unit: String)
    var gasLevel: @Sendable (_ gas: String, _ value: String, _ unit: String, _ below: Bool, _ limit: String) -> String
    var exposure: @Sendable (_ gas: String, _ shortTerm: Bool, _ value: String, _ unit: String, _ limit: String) -> String
    var gasProblem: @Sendable (_ gas: String, _ what: String) -> String
    var fall: @Sendable (_ notUpForSeconds: String?) -> String
    var still: @Sendable (_ seconds: String?) -> String
    /// A cleared gas alarm by its worst reading: how far it went, and its limit.
    var gasReached: @Sendable (_ gas: String, _ value: String, _ unit: String, _ below: Bool, _ limit: String) -> String
    /// An open gas alarm's worst reading so far, when the current one is not it.
    var worstSoFar: @Sendable (_ lowest: Bool, _ value: String, _ unit: String) -> String
    /// A cleared alarm: what it was at its worst, and how long it lasted.
    var cleared: @Sendable (_ what: String, _ after: String) -> String
    var duration: @Sendable (_ hours: Int, _ minutes: Int, _ seconds: Int) -> String
    /// The parts of a worker's equipment alert (``AlertCause``).
    var devicesSilent: @Sendable ([String]) -> String
    var notMeasured: @Sendable ([String]) -> String
    var sensorFaults: @Sendable ([String]) -> String
    var batteryOf: @Sendable (_ device: String, _ percent: String?) -> String
    /// Between the parts of one alert's words.
    var partSeparator: String
    var sos: String
    var battery: @Sendable (_ percent: String?) -> String
    var deviceSilent: @Sendable (String) -> String
    var fatigue: String
    var gatewayOffline: @Sendable (String) -> String
    var unreadable: @Sendable (String) -> String
    var reportOverdue: String
    var auditBroken: @Sendable (String) -> String
    var unknownPlace: String
    var floor: @Sendable (Int) -> String
    var inZone: @Sendable (_ zone: String, _ floor: String) -> String
    var position: @Sendable (_ x: String, _ y: String, _ floor: String) -> String
    var accuracy: @Sendable (String) -> String
    var beaconZone: @Sendable (String) -> String
    var nearGateway: @Sendable (String) -> String
    var gateway: @Sendable (String) -> String
    var severity: @Sendable (AlarmSeverity) -> String
    var bracketed: @Sendable (String) -> String
    var parenthesised: @Sendable (String) -> String
    var colon: String

    static let english = Phrases(
        gas: { code in
            switch code {
            case "H2S": ("H₂S", "ppm")
            case "CO": ("CO", "ppm")
            case "O2": ("O₂", "% vol")
            case "LEL": ("flammable gas", "% LEL")
            default: (code, "")
            }
        },
        gasLevel: { gas, value, unit, below, limit in "\(gas) \(value) \(unit), \(below ? "below" : "above") the \(limit) \(unit) limit" },
        exposure: { gas, short, value, unit, limit in
            "\(gas) \(short ? "15-minute" : "8-hour") average \(value) \(unit), above its \(limit) \(unit) limit"
        },
        gasProblem: { gas, what in
            switch what {
            case "over-range": "\(gas) beyond what the sensor can measure"
            case "fault": "\(gas) sensor fault"
            case "stale": "\(gas) sensor silent"
            default: "\(gas) \(what)"
            }
        },
        fall: { s in s.map { "fall, not up for \($0) s" } ?? "fall" },
        still: { s in s.map { "not moving for \($0) s" } ?? "not moving" },
        gasReached: { gas, value, unit, below, limit in "\(gas) \(below ? "fell" : "rose") to \(value) \(unit) (limit \(limit) \(unit))" },
        worstSoFar: { lowest, value, unit in "; \(lowest ? "lowest" : "highest") \(value) \(unit)" },
        cleared: { what, after in "\(what) — cleared after \(after)" },
        duration: { h, m, s in h > 0 ? "\(h) h \(m) min" : m > 0 ? "\(m) min" + (m < 10 && s > 0 ? " \(s) s" : "") : "\(s) s" },
        devicesSilent: { $0.count == 1 ? "wearable \($0[0]) silent" : "wearables \($0.joined(separator: ", ")) silent" },
        notMeasured: { "\($0.joined(separator: ", ")) not measured" },
        sensorFaults: { "\($0.joined(separator: ", ")) sensor \($0.count == 1 ? "fault" : "faults")" },
        batteryOf: { device, p in "battery of \(device) " + (p.map { "\($0) %" } ?? "low") },
        partSeparator: "; ",
        sos: "SOS pressed",
        battery: { p in p.map { "battery \($0) %" } ?? "battery low" },
        deviceSilent: { "wearable \($0) silent" },
        fatigue: "severe fatigue",
        gatewayOffline: { "gateway \($0) offline: nobody hears its workers" },
        unreadable: { "an alarm from gateway \($0) could not be read" },
        reportOverdue: "occupational-accident report not delivered, an hour to its deadline",
        auditBroken: { "the audit log was altered at entry \($0): check /api/v1/audit/verify" },
        unknownPlace: "location unknown",
        floor: { "floor \($0)" },
        inZone: { zone, floor in "in \(zone), \(floor)" },
        position: { x, y, floor in "x \(x) m, y \(y) m, \(floor)" },
        accuracy: { " (± \($0) m)" },
        beaconZone: { "in zone \($0)" },
        nearGateway: { "near gateway \($0)" },
        gateway: { "gateway \($0)" },
        severity: { $0.rawValue.uppercased() },
        bracketed: { "[\($0)] " },
        parenthesised: { " (\($0))" },
        colon: ": ")

    static let traditionalChinese = Phrases(
        gas: { code in
            switch code {
            case "H2S": ("硫化氫", "ppm")
            case "CO": ("一氧化碳", "ppm")
            case "O2": ("氧氣", "% vol")
            case "LEL": ("可燃性氣體", "% LEL")
            default: (code, "")
            }
        },
        gasLevel: { gas, value, unit, below, limit in "\(gas) \(value) \(unit)，\(below ? "低於" : "高於") \(limit) \(unit) 限值" },
        exposure: { gas, short, value, unit, limit in
            "\(gas) \(short ? "15 分鐘" : "8 小時")平均 \(value) \(unit)，超過 \(limit) \(unit) 容許濃度"
        },
        gasProblem: { gas, what in
            switch what {
            case "over-range": "\(gas) 超出感測器量測範圍"
            case "fault": "\(gas) 感測器故障"
            case "stale": "\(gas) 感測器無訊號"
            default: "\(gas) \(what)"
            }
        },
        fall: { s in s.map { "跌倒，\($0) 秒未起身" } ?? "跌倒" },
        still: { s in s.map { "\($0) 秒未移動" } ?? "未移動" },
        gasReached: { gas, value, unit, below, limit in "\(gas) \(below ? "降至" : "升至") \(value) \(unit)（限值 \(limit) \(unit)）" },
        worstSoFar: { lowest, value, unit in "；\(lowest ? "最低" : "最高") \(value) \(unit)" },
        cleared: { what, after in "\(what)，\(after)後解除" },
        duration: { h, m, s in h > 0 ? "\(h) 小時 \(m) 分鐘" : m > 0 ? "\(m) 分鐘" + (m < 10 && s > 0 ? " \(s) 秒" : "") : "\(s) 秒" },
        devicesSilent: { "穿戴裝置 \($0.joined(separator: "、")) 無訊號" },
        notMeasured: { "\($0.joined(separator: "、")) 未量測" },
        sensorFaults: { "\($0.joined(separator: "、")) 感測器故障" },
        batteryOf: { device, p in "\(device) " + (p.map { "電量 \($0) %" } ?? "電量低") },
        partSeparator: "；",
        sos: "按下求救鈕",
        battery: { p in p.map { "電量 \($0) %" } ?? "電量低" },
        deviceSilent: { "穿戴裝置 \($0) 無訊號" },
        fatigue: "嚴重疲勞",
        gatewayOffline: { "閘道器 \($0) 離線：收不到其工作人員的訊號" },
        unreadable: { "閘道器 \($0) 的一則警報無法解讀" },
        reportOverdue: "職業災害通報尚未送達，距期限剩一小時",
        auditBroken: { "稽核紀錄第 \($0) 筆遭竄改：請查核 /api/v1/audit/verify" },
        unknownPlace: "位置不明",
        floor: { "\($0) 樓" },
        inZone: { zone, floor in "\(floor) \(zone) 內" },
        position: { x, y, floor in "\(floor) x \(x) m、y \(y) m" },
        accuracy: { "（± \($0) m）" },
        beaconZone: { "\($0) 區" },
        nearGateway: { "閘道器 \($0) 附近" },
        gateway: { "閘道器 \($0)" },
        severity: { s in
            switch s {
            case .critical: "危急"
            case .alarm: "警報"
            case .warning: "預警"
            case .info: "資訊"
            }
        },
        bracketed: { "【\($0)】" },
        parenthesised: { "（\($0)）" },
        colon: "：")
}
