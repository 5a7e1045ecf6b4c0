import EdgeCore
import Foundation
import RiskCore
import Testing

@testable import Wire

@Suite struct WireTests {
    let topics = try! Topics(site: "tank-farm-3", gateway: "gw-1")

    var fallAlarm: SafetyEvent {
        SafetyEvent(
            worker: "lin", type: .fall, phase: .preAlarm, severity: .alarm, timeMs: 1_767_254_462_580,
            values: ["peakG": 4.1], location: Location(source: .locator, x: 7.6, y: 6.6, floor: 0, timeMs: 1_767_254_462_140))
    }

    @Test func topicsAndSubscriptions() throws {
        #expect(topics.events == "canary/v1/tank-farm-3/gw-1/events")
        #expect(topics.source == "canary://tank-farm-3/gw-1")
        #expect(Topics.parse("canary/v1/tank-farm-3/gw-1/telemetry")! == ("tank-farm-3", "gw-1", "telemetry"))
        #expect(Topics.parse("canary/v1/a/b/other") == nil && Topics.parse("canary/v1//b/events") == nil)
        #expect(throws: WireError.invalidName("site", "a/b")) { try Topics(site: "a/b", gateway: "g") }
        #expect(Topics.collectorSubscriptions(shareGroup: "canary").first == "$share/canary/canary/v1/+/+/events")
    }

    @Test func rfc3339() {
        #expect(RFC3339.format(ms: 1_767_254_462_580) == "2026-01-01T08:01:02.580Z")
        #expect(RFC3339.format(ms: -1) == "1969-12-31T23:59:59.999Z")
        #expect(RFC3339.parse("2026-01-01T08:01:02.580Z") == 1_767_254_462_580)
        #expect(RFC3339.parse("yesterday") == nil)
        #expect(RFC3339.parse("2026-01-01T09:01:02+01:00") == 1_767_254_462_000, "other forms go to Foundation's parser")
        // A day that does not exist is no time, whichever parser reads it (Foundation's rolls Feb 30 into March).
        for text in [
            "2026-02-30T08:00:00.000Z", "2026-02-30T08:00:00+08:00", "2025-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
            "0000-01-01T00:00:00.000Z", "0000-01-01T00:00:00Z",
            // Nor is a time of day that does not exist (Foundation's rolls 25:00 into the next day).
            "2026-01-01T25:00:00.000Z", "2026-01-01T24:00:00Z", "2026-01-01T10:60:00Z", "2026-12-07T99:99:99Z",
            "2026-01-01T10:00:00+25:00", "2026-01-01T10:00:00", "2026-01-01T10:00:00.Z",
        ] {
            #expect(RFC3339.parse(text) == nil, "\(text)")
        }
        #expect(RFC3339.parse("2024-02-29T08:00:00+08:00") == 1_709_164_800_000, "a leap day is one")
        #expect(RFC3339.parse("2026-01-01T08:01:02.58Z") == 1_767_254_462_580, "a shorter fraction is one")
    }

    /// The fast reader of Canary's own form gives what Foundation's gives, over leap years and before 1970.
    @Test func rfc3339CanonicalFormAgreesWithFoundation() {
        var generator = SystemRandomNumberGenerator()
        let samples =
            [0, -1, 951_782_400_000, 4_107_542_399_999, -2_208_988_800_000]
            + (0..<2_000).map { _ in
                Int64.random(in: -2_208_988_800_000...4_102_444_800_000, using: &generator)
            }
        for ms in samples {
            let text = RFC3339.format(ms: ms)
            #expect(RFC3339.canonical(text) == ms, "\(text)")
            let foundation = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)
            #expect(foundation.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) } == ms, "\(text)")
        }
        for text in ["2026-02-29T00:00:00.000Z", "2026-13-01T00:00:00.000Z", "2026-01-01T24:00:00.000Z", "2026-01-01T08:01:02Z"] {
            #expect(RFC3339.canonical(text) == nil, "\(text)")
        }
    }

    @Test func anAlarmRoundTripsThroughTheWire() throws {
        let event = CloudEvent(fallAlarm, topics: topics)
        #expect(event.type == "tw.canary.alarm.fall" && event.id == fallAlarm.id && event.subject == "lin")
        #expect(event.data.location?.age_ms == 440)
        let back = try IncomingMessage.decode(topic: topics.events, payload: event.json())
        #expect(back == .alarm(event))
    }

    @Test(arguments: [
        ("{", "not-json"),
        ("[1,2]", "not-json"),
        (
            #"{"specversion":"1.0","source":"canary://tank-farm-3/gw-1","type":"tw.canary.alarm.fall","time":"2026-01-01T08:00:00Z","data":{}}"#,
            "missing-attribute"
        ),
        (
            #"{"specversion":"0.3","id":"1","source":"canary://tank-farm-3/gw-1","type":"tw.canary.alarm.fall","time":"2026-01-01T08:00:00Z","data":{}}"#,
            "bad-attribute"
        ),
        (
            #"{"specversion":"1.0","id":"1","source":"canary://elsewhere/gw-9","type":"tw.canary.alarm.fall","time":"2026-01-01T08:00:00Z","data":{}}"#,
            "bad-attribute"
        ),
        (
            #"{"specversion":"1.0","id":"1","source":"canary://tank-farm-3/gw-1","type":"tw.canary.alarm.fall","time":"noon","data":{}}"#,
            "bad-attribute"
        ),
        (
            #"{"specversion":"1.0","id":"1","source":"canary://tank-farm-3/gw-1","type":"com.example.other","time":"2026-01-01T08:00:00Z","data":{}}"#,
            "unknown-type"
        ),
        (
            #"{"specversion":"1.0","id":"1","source":"canary://tank-farm-3/gw-1","type":"tw.canary.alarm.fall","time":"2026-01-01T08:00:00Z","subject":"lin","data":{"kind":"fall"}}"#,
            "schema"
        ),
        // An alarm is about a worker: without one it is refused, as its schema says.
        (
            #"{"specversion":"1.0","id":"1","source":"canary://tank-farm-3/gw-1","type":"tw.canary.alarm.sos","time":"2026-01-01T08:00:00Z","data":{"kind":"sos","condition":"","phase":"alarm","severity":"critical","time_ms":1,"values":{}}}"#,
            "missing-attribute"
        ),
        (
            #"{"specversion":"1.0","id":"1","source":"canary://tank-farm-3/gw-1","type":"tw.canary.alarm.sos","time":"2026-01-01T08:00:00Z","subject":"","data":{"kind":"sos","condition":"","phase":"alarm","severity":"critical","time_ms":1,"values":{}}}"#,
            "missing-attribute"
        ),
        // Days that do not exist, in Canary's own form and in another.
        (
            #"{"specversion":"1.0","id":"1","source":"canary://tank-farm-3/gw-1","type":"tw.canary.alarm.fall","time":"2026-02-30T08:00:00.000Z","subject":"lin","data":{}}"#,
            "bad-attribute"
        ),
        (
            #"{"specversion":"1.0","id":"1","source":"canary://tank-farm-3/gw-1","type":"tw.canary.alarm.fall","time":"2026-02-30T08:00:00+08:00","subject":"lin","data":{}}"#,
            "bad-attribute"
        ),
        (
            #"{"specversion":"1.0","id":"1","source":"canary://tank-farm-3/gw-1","type":"tw.canary.alarm.fall","time":"0000-01-01T00:00:00Z","subject":"lin","data":{}}"#,
            "bad-attribute"
        ),
    ])
    func malformedMessagesAreRejectedWithAKind(json: String, kind: String) {
        do {
            _ = try IncomingMessage.decode(topic: topics.events, payload: Data(json.utf8))
            Issue.record("accepted: \(json)")
        } catch {
            #expect(error.kind == kind, "\(error)")
        }
    }

    @Test func aPhaseOrKindThatDoesNotFitIsASchemaError() throws {
        let json = String(decoding: CloudEvent(fallAlarm, topics: topics).json(), as: UTF8.self)
        let maybe = json.replacingOccurrences(of: #""phase":"pre-alarm""#, with: #""phase":"maybe""#)
        #expect(throws: WireError.schema("data.phase 'maybe' is not one of pre-alarm, alarm, cleared")) {
            try IncomingMessage.decode(topic: topics.events, payload: Data(maybe.utf8))
        }
        let sos = json.replacingOccurrences(of: #""kind":"fall""#, with: #""kind":"sos""#)
        #expect(throws: WireError.schema("data.kind 'sos' does not match type 'tw.canary.alarm.fall'")) {
            try IncomingMessage.decode(topic: topics.events, payload: Data(sos.utf8))
        }
    }

    @Test func oversizedMessagesAreRejectedBeforeParsing() {
        #expect(throws: WireError.tooLarge(bytes: 300_000, limit: IncomingMessage.defaultLimit)) {
            try IncomingMessage.decode(topic: topics.telemetry, payload: Data(count: 300_000))
        }
    }

    /// Telemetry is read in place, not through a tree: the refusal names the same field whatever the
    /// order of the members, and `values` is kept as received, without the whitespace between tokens.
    @Test func telemetryIsReadInPlaceWithTheSameRefusals() throws {
        func decode(_ readings: String) throws(WireError) -> IncomingMessage {
            let json =
                #"{"specversion":"1.0","id":"t-1","source":"canary://tank-farm-3/gw-1","type":"tw.canary.telemetry","time":"2026-01-01T08:00:00.000Z","data":{"readings":"#
                + readings + "}}"
            return try IncomingMessage.decode(topic: topics.telemetry, payload: Data(json.utf8))
        }
        let good = try decode(
            #"[{"values": {"o2" : 20.9,"name with space":-1e-3}, "time_ms":1000.0,"kind":"gas","device":"D","worker":"chen","x":[1,{}]}]"#)
        guard case .telemetry(let t) = good else {
            Issue.record("not telemetry")
            return
        }
        #expect(
            t.readings == [
                .init(
                    worker: "chen", device: "D", kind: "gas", time_ms: 1_000,
                    values: #"{"o2":20.9,"name with space":-1e-3}"#)
            ])
        #expect(t.readings[0].numbers == ["o2": 20.9, "name with space": -0.001])
        let refusals: [(String, WireError)] = [
            (#"[{"values":"x","device":"D","kind":"gas","time_ms":1}]"#, .schema("missing data.readings.0.worker")),
            (#"[{"worker":"w","device":5,"kind":"gas","time_ms":1,"values":{}}]"#, .schema("wrong type at data.readings.0.device")),
            (#"[{"worker":"w","device":"D","kind":"gas","time_ms":1.5,"values":{}}]"#, .schema("wrong type at data.readings.0.time_ms")),
            (#"[{"worker":"w","device":"D","kind":"gas","time_ms":1,"values":{"o2":"20.9"}}]"#, .schema("wrong type at data.readings.0.values.o2")),
            (#"[{"worker":"w","device":"D","kind":"gas","time_ms":1,"values":null}]"#, .schema("missing data.readings.0.values")),
            (#"[{"worker":"w","device":"D","kind":"gas","time_ms":1,"values":{}}, 7]"#, .schema("wrong type at data.readings.1")),
            (#"{}"#, .schema("wrong type at data.readings")),
        ]
        for (readings, error) in refusals {
            #expect(throws: error, "\(readings)") { try decode(readings) }
        }
        // A syntax error after a schema error is still a syntax error.
        #expect(throws: WireError.self) { try decode(#"[{"worker":5}], "extra": [1,]"#) }
        do { _ = try decode(#"[{"worker":5}], "extra": [1,]"#) } catch { #expect(error.kind == "not-json") }
    }

    @Test func telemetryAndStatus() throws {
        let batch = CloudEvent(
            id: "t-1", source: topics.source, type: EventTypes.telemetry, timeMs: 0,
            data: TelemetryBatch(readings: [
                .init(
                    worker: "chen", device: "C0:FF:EE:00:01:01", kind: "gas",
                    time_ms: 0, values: ["H2S": 1.5, "O2": 20.9])
            ]))
        #expect(try IncomingMessage.decode(topic: topics.telemetry, payload: batch.json()) == .telemetry(TelemetryMessage(batch)))
        let status = CloudEvent(
            id: "s-1", source: topics.source, type: EventTypes.status, timeMs: 0,
            data: GatewayStatus(state: .offline, reason: GatewayStatus.connectionLost))
        #expect(try IncomingMessage.decode(topic: topics.status, payload: status.json()) == .status(status))
        // A reason this version does not know is kept: an `offline` is never refused for it.
        var unknownReason = status
        unknownReason.data.reason = "flooded"
        #expect(try IncomingMessage.decode(topic: topics.status, payload: unknownReason.json()) == .status(unknownReason))
        // A telemetry event on the events topic is refused: type and topic must agree.
        #expect(throws: WireError.unknownType(EventTypes.telemetry)) {
            try IncomingMessage.decode(topic: topics.events, payload: batch.json())
        }
    }

    /// Each schema file in docs/schema is valid JSON and names the type it describes.
    @Test func theSchemaFilesAreThere() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/schema")
        for name in ["alarm", "telemetry", "gateway-status", "ack", "incident-report"] {
            let data = try Data(contentsOf: dir.appendingPathComponent("\(name).schema.json"))
            let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            #expect(object["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
        }
    }
}
