import Foundation
import RiskCore

/// A message the collector received, validated: JSON, CloudEvents 1.0
/// attributes, a known type whose `data` matches its schema
/// (docs/schema/*.json), and a `source` that matches the topic it came on.
public enum IncomingMessage: Sendable, Equatable {
    case alarm(CloudEvent<AlarmData>)
    case telemetry(CloudEvent<TelemetryBatch>)
    case status(CloudEvent<GatewayStatus>)

    /// Default size limit: far above a telemetry batch of a few hundred readings.
    public static let defaultLimit = 256 * 1024

    /// One JSON parse per message: the attributes are checked and `data` decoded by its type from the same parsed document.
    public static func decode(topic: String, payload: Data, limit: Int = defaultLimit) throws(WireError) -> IncomingMessage {
        guard payload.count <= limit else { throw .tooLarge(bytes: payload.count, limit: limit) }
        guard let (site, gateway, kind) = Topics.parse(topic) else { throw .badAttribute("topic", "'\(topic)' is not a Canary topic") }
        let decoder = JSONDecoder()
        decoder.userInfo[Envelope.expectation] = Envelope.Expectation(source: "canary://\(site)/\(gateway)", topicKind: kind)
        do {
            return try decoder.decode(Envelope.self, from: payload).message
        } catch let e as WireError {
            throw e
        } catch DecodingError.dataCorrupted(let ctx) where ctx.codingPath.isEmpty {
            throw .notJSON(ctx.debugDescription)
        } catch DecodingError.typeMismatch(_, let ctx) where ctx.codingPath.isEmpty {
            throw .notJSON("not a JSON object")
        } catch let DecodingError.keyNotFound(key, ctx) {
            throw .schema("missing \((ctx.codingPath + [key]).map(\.stringValue).joined(separator: "."))")
        } catch let DecodingError.typeMismatch(_, ctx) {
            throw .schema("wrong type at \(ctx.codingPath.map(\.stringValue).joined(separator: "."))")
        } catch let DecodingError.valueNotFound(_, ctx) {
            throw .schema("null at \(ctx.codingPath.map(\.stringValue).joined(separator: "."))")
        } catch {
            throw .schema("\(error)")
        }
    }

    /// The CloudEvents envelope, checked attribute by attribute in the order
    /// of the refusal kinds, then the typed event decoded from the same parse.
    private struct Envelope: Decodable {
        struct Expectation: Sendable {
            var source: String
            var topicKind: String
        }

        static let expectation = CodingUserInfoKey(rawValue: "canary.expectation")!

        enum Key: String, CodingKey { case specversion, id, source, type, time, data }

        let message: IncomingMessage

        init(from decoder: any Decoder) throws {
            let expected = decoder.userInfo[Self.expectation] as! Expectation
            let c = try decoder.container(keyedBy: Key.self)
            var attributes: [Key: String] = [:]
            for key in [Key.specversion, .id, .source, .type, .time] {
                guard c.contains(key) else { throw WireError.missingAttribute(key.rawValue) }
                guard let v = try? c.decode(String.self, forKey: key), !v.isEmpty else {
                    throw WireError.badAttribute(key.rawValue, "must be a non-empty string")
                }
                attributes[key] = v
            }
            guard attributes[.specversion] == "1.0" else { throw WireError.badAttribute("specversion", "must be 1.0") }
            guard attributes[.source] == expected.source else {
                throw WireError.badAttribute("source", "'\(attributes[.source]!)' does not match the topic's \(expected.source)")
            }
            guard RFC3339.parse(attributes[.time]!) != nil else { throw WireError.badAttribute("time", "not an RFC 3339 timestamp") }
            guard c.contains(.data) else { throw WireError.missingAttribute("data") }
            let type = attributes[.type]!
            switch (expected.topicKind, type) {
            case ("events", let t) where t.hasPrefix(EventTypes.alarmPrefix):
                let e = try CloudEvent<AlarmData>(from: decoder)
                try IncomingMessage.validate(e.data, type: t)
                message = .alarm(e)
            case ("telemetry", EventTypes.telemetry):
                let e = try CloudEvent<TelemetryBatch>(from: decoder)
                for r in e.data.readings where r.values.values.contains(where: { !$0.isFinite }) {
                    throw WireError.schema("reading of \(r.worker) has a value that is not a finite number")
                }
                message = .telemetry(e)
            case ("status", EventTypes.status):
                let e = try CloudEvent<GatewayStatus>(from: decoder)
                guard ["online", "offline"].contains(e.data.state) else { throw WireError.schema("state must be online or offline") }
                message = .status(e)
            default:
                throw WireError.unknownType(type)
            }
        }
    }

    fileprivate static func validate(_ d: AlarmData, type: String) throws(WireError) {
        guard let kind = EventType(rawValue: d.kind), EventTypes.alarm(kind) == type else {
            throw .schema("data.kind '\(d.kind)' does not match type '\(type)'")
        }
        guard Phase(rawValue: d.phase) != nil else { throw .schema("data.phase '\(d.phase)' is not pre-alarm, alarm or cleared") }
        guard Severity(rawValue: d.severity) != nil else { throw .schema("data.severity '\(d.severity)' is not a severity") }
        guard d.values.values.allSatisfy(\.isFinite) else { throw .schema("data.values must be finite numbers") }
    }
}
