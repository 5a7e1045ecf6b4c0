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

    public static func decode(topic: String, payload: Data, limit: Int = defaultLimit) throws(WireError) -> IncomingMessage {
        guard payload.count <= limit else { throw .tooLarge(bytes: payload.count, limit: limit) }
        guard let (site, gateway, kind) = Topics.parse(topic) else { throw .badAttribute("topic", "'\(topic)' is not a Canary topic") }
        let object: [String: Any]
        do {
            guard let o = try JSONSerialization.jsonObject(with: payload) as? [String: Any] else {
                throw WireError.notJSON("not a JSON object")
            }
            object = o
        } catch let e as WireError {
            throw e
        } catch {
            throw .notJSON("\(error.localizedDescription)")
        }
        for name in ["specversion", "id", "source", "type", "time"] {
            guard let v = object[name] else { throw .missingAttribute(name) }
            guard let s = v as? String, !s.isEmpty else { throw .badAttribute(name, "must be a non-empty string") }
        }
        guard object["specversion"] as? String == "1.0" else { throw .badAttribute("specversion", "must be 1.0") }
        let expectedSource = "canary://\(site)/\(gateway)"
        guard object["source"] as? String == expectedSource else {
            throw .badAttribute("source", "'\(object["source"]!)' does not match the topic's \(expectedSource)")
        }
        guard let time = object["time"] as? String, RFC3339.parse(time) != nil else {
            throw .badAttribute("time", "not an RFC 3339 timestamp")
        }
        guard object["data"] != nil else { throw .missingAttribute("data") }
        let type = object["type"] as! String
        switch (kind, type) {
        case ("events", let t) where t.hasPrefix(EventTypes.alarmPrefix):
            let e: CloudEvent<AlarmData> = try decodeEvent(payload)
            try validate(e.data, type: t)
            return .alarm(e)
        case ("telemetry", EventTypes.telemetry):
            let e: CloudEvent<TelemetryBatch> = try decodeEvent(payload)
            for r in e.data.readings where r.values.values.contains(where: { !$0.isFinite }) {
                throw .schema("reading of \(r.worker) has a value that is not a finite number")
            }
            return .telemetry(e)
        case ("status", EventTypes.status):
            let e: CloudEvent<GatewayStatus> = try decodeEvent(payload)
            guard ["online", "offline"].contains(e.data.state) else { throw .schema("state must be online or offline") }
            return .status(e)
        default:
            throw .unknownType(type)
        }
    }

    private static func decodeEvent<P>(_ payload: Data) throws(WireError) -> CloudEvent<P> {
        do {
            return try JSONDecoder().decode(CloudEvent<P>.self, from: payload)
        } catch let DecodingError.keyNotFound(key, ctx) {
            throw .schema("missing \((ctx.codingPath + [key]).map(\.stringValue).joined(separator: "."))")
        } catch let DecodingError.typeMismatch(_, ctx) {
            throw .schema("wrong type at \(ctx.codingPath.map(\.stringValue).joined(separator: "."))")
        } catch {
            throw .schema("\(error)")
        }
    }

    private static func validate(_ d: AlarmData, type: String) throws(WireError) {
        guard let kind = EventType(rawValue: d.kind), EventTypes.alarm(kind) == type else {
            throw .schema("data.kind '\(d.kind)' does not match type '\(type)'")
        }
        guard Phase(rawValue: d.phase) != nil else { throw .schema("data.phase '\(d.phase)' is not pre-alarm, alarm or cleared") }
        guard Severity(rawValue: d.severity) != nil else { throw .schema("data.severity '\(d.severity)' is not a severity") }
        guard d.values.values.allSatisfy(\.isFinite) else { throw .schema("data.values must be finite numbers") }
    }
}
