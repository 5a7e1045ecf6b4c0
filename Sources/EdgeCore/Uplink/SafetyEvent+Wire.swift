import RiskCore
import Wire

/// A detection event in the wire's words (``AlarmData``): the one place where
/// RiskCore's vocabulary meets the wire's, which is the same word for word
/// (`WireVocabularyTests`).
extension AlarmData {
    public init(_ e: SafetyEvent) {
        self.init(kind: e.type.rawValue, condition: e.condition, phase: e.phase.rawValue, severity: e.severity.rawValue,
                  time_ms: e.timeMs, values: e.values.filter { $0.value.isFinite },
                  location: e.location.map {
                      LocationData(source: $0.source.rawValue, x: $0.x, y: $0.y, floor: $0.floor, accuracy: $0.accuracy,
                                   zone: $0.zone, time_ms: $0.timeMs, age_ms: e.timeMs - $0.timeMs)
                  })
    }
}

extension CloudEvent where Payload == AlarmData {
    /// The wire form of a RiskCore event from the gateway at `topics`.
    public init(_ e: SafetyEvent, topics: Topics) {
        self.init(id: e.id, source: topics.source, type: EventTypes.alarmPrefix + e.type.rawValue, timeMs: e.timeMs,
                  subject: e.worker, data: AlarmData(e))
    }
}
