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

    /// One pass of a purpose-built JSON parser, then the attributes and the
    /// typed `data` read field by field (Foundation's JSONDecoder cost the
    /// collector most of its ingest time; docs/performance.md).
    public static func decode(topic: String, payload: Data, limit: Int = defaultLimit) throws(WireError) -> IncomingMessage {
        guard payload.count <= limit else { throw .tooLarge(bytes: payload.count, limit: limit) }
        guard let (site, gateway, kind) = Topics.parse(topic) else { throw .badAttribute("topic", "'\(topic)' is not a Canary topic") }
        let root: JSONValue
        do {
            root = try JSONParser.parse(payload)
        } catch {
            throw .notJSON(error.description)
        }
        guard case .object(let members) = root else { throw .notJSON("not a JSON object") }
        let document = try SchemaReader(root, path: "")
        for name in ["specversion", "id", "source", "type", "time"] {
            guard let v = members.first(where: { $0.key == name })?.value else { throw .missingAttribute(name) }
            guard case .string(let s) = v, !s.isEmpty else { throw .badAttribute(name, "must be a non-empty string") }
        }
        guard try document.string("specversion") == "1.0" else { throw .badAttribute("specversion", "must be 1.0") }
        let expectedSource = "canary://\(site)/\(gateway)"
        let source = try document.string("source")
        guard source == expectedSource else {
            throw .badAttribute("source", "'\(source)' does not match the topic's \(expectedSource)")
        }
        guard RFC3339.parse(try document.string("time")) != nil else { throw .badAttribute("time", "not an RFC 3339 timestamp") }
        guard let data = document.value("data") else { throw .missingAttribute("data") }
        for name in ["subject", "datacontenttype"] {
            if let v = document.value(name), case .string = v {} else if document.value(name) != nil {
                throw .badAttribute(name, "must be a string")
            }
        }
        let type = try document.string("type")
        func payloadReader() throws(WireError) -> SchemaReader { try SchemaReader(data, path: "data") }
        switch (kind, type) {
        case ("events", let t) where t.hasPrefix(EventTypes.alarmPrefix):
            let e = try CloudEvent(document, data: try AlarmData(payloadReader()))
            try validate(e.data, type: t)
            return .alarm(e)
        case ("telemetry", EventTypes.telemetry):
            let e = try CloudEvent(document, data: try TelemetryBatch(payloadReader()))
            for r in e.data.readings where r.values.values.contains(where: { !$0.isFinite }) {
                throw .schema("reading of \(r.worker) has a value that is not a finite number")
            }
            return .telemetry(e)
        case ("status", EventTypes.status):
            let e = try CloudEvent(document, data: try GatewayStatus(payloadReader()))
            guard ["online", "offline"].contains(e.data.state) else { throw .schema("state must be online or offline") }
            return .status(e)
        default:
            throw .unknownType(type)
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
