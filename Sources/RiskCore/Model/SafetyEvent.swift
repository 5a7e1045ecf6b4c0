/// What happened to a worker, as every detector reports it.
///
/// Events carry the timestamp of the sample that caused them (never a clock
/// read), so replaying the same samples gives the same events with the same ids.
public struct SafetyEvent: Codable, Sendable, Equatable {
    /// Stable, unique and time-ordered: see ``SafetyEvent/makeID(worker:type:condition:phase:timeMs:)``.
    public var id: String
    public var worker: String
    public var type: EventType
    /// Which condition of the type, e.g. `H2S.high` for a gas alarm; empty when the type says it all.
    public var condition: String
    public var phase: Phase
    public var severity: Severity
    /// Unix time in milliseconds of the sample that caused the event.
    public var timeMs: Int64
    /// The values that triggered the event (readings, limits, features), by name.
    public var values: [String: Double]
    /// The worker's last known location as handed in with the samples, if any.
    public var location: Location?

    public init(
        worker: String, type: EventType, condition: String = "", phase: Phase, severity: Severity,
        timeMs: Int64, values: [String: Double] = [:], location: Location? = nil
    ) {
        self.id = Self.makeID(worker: worker, type: type, condition: condition, phase: phase, timeMs: timeMs)
        self.worker = worker
        self.type = type
        self.condition = condition
        self.phase = phase
        self.severity = severity
        self.timeMs = timeMs
        self.values = values
        self.location = location
    }

    /// `<13-digit ms>-<worker>-<type>[.<condition>]-<phase>`: sorts by time as a
    /// string, and one condition of one worker cannot change phase twice in
    /// the same millisecond, so the id is unique without any counter to persist.
    public static func makeID(worker: String, type: EventType, condition: String, phase: Phase, timeMs: Int64) -> String {
        let digits = String(max(timeMs, 0))
        let padded = String(repeating: "0", count: max(0, 13 - digits.count)) + digits
        let what = condition.isEmpty ? type.rawValue : "\(type.rawValue).\(condition)"
        return "\(padded)-\(worker)-\(what)-\(phase.rawValue)"
    }
}

public enum EventType: String, Codable, Sendable, CaseIterable {
    case gas
    case fall
    case immobility
    case sos
    case deviceOffline = "device-offline"
    case lowBattery = "low-battery"
    case fatigue
}

/// An alarm's life: a pre-alarm gives the wearer a chance to cancel; an alarm
/// calls for rescue; cleared ends either.
public enum Phase: String, Codable, Sendable, CaseIterable {
    case preAlarm = "pre-alarm"
    case alarm
    case cleared
}

public enum Severity: String, Codable, Sendable, Comparable, CaseIterable {
    case info
    case warning
    case alarm
    /// Evacuate: legal danger levels (O2 < 18 %, LEL ≥ 30 %), a worker down.
    case critical

    private var rank: Int {
        switch self {
        case .info: 0
        case .warning: 1
        case .alarm: 2
        case .critical: 3
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}
