import EdgeCore
import RiskCore
import Testing
import Wire

/// The detection's words and the wire's are the same: a kind, phase or
/// severity RiskCore raises and the wire lacks would be refused by the
/// collector as a schema violation — an alarm nobody sees.
@Suite struct WireVocabularyTests {
    @Test func everyKindPhaseAndSeverityOfDetectionIsAWireWordAndBack() {
        #expect(Set(EventType.allCases.map(\.rawValue)) == Set(AlarmKind.allCases.map(\.rawValue)))
        #expect(Set(Phase.allCases.map(\.rawValue)) == Set(AlarmPhase.allCases.map(\.rawValue)))
        #expect(Set(Severity.allCases.map(\.rawValue)) == Set(AlarmSeverity.allCases.map(\.rawValue)))
    }

    @Test func anEventOnTheWireIsValidAsTheCollectorReadsIt() throws {
        let topics = try Topics(site: "s", gateway: "g")
        for kind in EventType.allCases {
            let e = SafetyEvent(
                worker: "lin", type: kind, condition: "C0:FF:EE:00:00:01", phase: .preAlarm, severity: .critical,
                timeMs: 1_000, values: ["x": 1, "nan": .nan])
            let decoded = try IncomingMessage.decode(topic: topics.events, payload: [UInt8](CloudEvent(e, topics: topics).json()))
            guard case .alarm(let c) = decoded else {
                Issue.record("\(kind) did not decode as an alarm")
                continue
            }
            #expect(c.data == AlarmData(e) && c.data.values == ["x": 1])
        }
    }
}
