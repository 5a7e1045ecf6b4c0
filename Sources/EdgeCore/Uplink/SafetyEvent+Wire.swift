import RiskCore
import Wire

/// A detection event in the wire's words (``AlarmData``): the one place where
/// RiskCore's vocabulary meets the wire's. The switches are exhaustive, so a
/// word added to detection does not build until the wire has it too.
extension AlarmData {
    public init(_ e: SafetyEvent) {
        self.init(
            kind: AlarmKind(e.type), condition: e.condition, phase: AlarmPhase(e.phase), severity: AlarmSeverity(e.severity),
            time_ms: e.timeMs, values: e.values.filter { $0.value.isFinite },
            location: e.location.map {
                LocationData(
                    source: $0.source.rawValue, x: $0.x, y: $0.y, floor: $0.floor, accuracy: $0.accuracy,
                    zone: $0.zone, time_ms: $0.timeMs, age_ms: e.timeMs - $0.timeMs)
            })
    }
}

extension CloudEvent where Payload == AlarmData {
    /// The wire form of a RiskCore event from the gateway at `topics`.
    public init(_ e: SafetyEvent, topics: Topics) {
        let data = AlarmData(e)
        self.init(id: e.id, source: topics.source, type: EventTypes.alarm(data.kind), timeMs: e.timeMs, subject: e.worker, data: data)
    }
}

extension AlarmKind {
    init(_ type: EventType) {
        switch type {
        case .gas: self = .gas
        case .fall: self = .fall
        case .immobility: self = .immobility
        case .sos: self = .sos
        case .deviceOffline: self = .deviceOffline
        case .lowBattery: self = .lowBattery
        case .fatigue: self = .fatigue
        }
    }
}

extension AlarmPhase {
    init(_ phase: Phase) {
        switch phase {
        case .preAlarm: self = .preAlarm
        case .alarm: self = .alarm
        case .cleared: self = .cleared
        }
    }
}

extension AlarmSeverity {
    init(_ severity: Severity) {
        switch severity {
        case .info: self = .info
        case .warning: self = .warning
        case .alarm: self = .alarm
        case .critical: self = .critical
        }
    }
}
