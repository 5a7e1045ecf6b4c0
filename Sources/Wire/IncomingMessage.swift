import Foundation

/// A message the collector received, validated: JSON, CloudEvents 1.0
/// attributes, a known type whose `data` matches its schema
/// (docs/schema/*.json), and a `source` that matches the topic it came on.
public enum IncomingMessage: Sendable, Equatable {
    case alarm(CloudEvent<AlarmData>)
    case telemetry(TelemetryMessage)
    case status(CloudEvent<GatewayStatus>)

    /// Default size limit: far above a telemetry batch of a few hundred readings.
    public static let defaultLimit = 256 * 1024

    public static func decode(topic: String, payload: Data, limit: Int = defaultLimit) throws(WireError) -> IncomingMessage {
        try decode(topic: topic, payload: [UInt8](payload), limit: limit)
    }

    /// One pass over the whole message checks its syntax and finds the
    /// envelope's attributes, building nothing; telemetry's `data` is read
    /// field by field in place on that pass (``TelemetryMessage``), the rarer
    /// alarms' and statuses' afterwards through a tree. Foundation's JSONDecoder, and
    /// later a tree per message, cost the collector most of its ingest time
    /// (docs/performance.md).
    public static func decode(topic: String, payload: [UInt8], limit: Int = defaultLimit) throws(WireError) -> IncomingMessage {
        try decodeWithOrigin(topic: topic, payload: payload, limit: limit).message
    }

    /// `decode`, with the site and gateway the topic names: for a receiver
    /// that needs them too (the collector, for every message), so that the
    /// topic is parsed once.
    public static func decodeWithOrigin(
        topic: String, payload: [UInt8], limit: Int = defaultLimit
    )
        throws(WireError) -> (site: String, gateway: String, message: IncomingMessage)
    {
        guard payload.count <= limit else { throw .tooLarge(bytes: payload.count, limit: limit) }
        guard let (site, gateway, kind) = Topics.parse(topic) else { throw .badAttribute("topic", "'\(topic)' is not a Canary topic") }
        let message = try payload.withUnsafeBufferPointer { (b) throws(WireError) -> IncomingMessage in
            let envelope = try Envelope(b, telemetryIn: kind == "telemetry" ? payload : nil)
            let specversion = try envelope.required(.specversion), id = try envelope.required(.id)
            let source = try envelope.required(.source), type = try envelope.required(.type), time = try envelope.required(.time)
            guard specversion == "1.0" else { throw .badAttribute("specversion", "must be 1.0") }
            let expectedSource = "canary://\(site)/\(gateway)"
            guard source == expectedSource else {
                throw .badAttribute("source", "'\(source)' does not match the topic's \(expectedSource)")
            }
            guard RFC3339.parse(time) != nil else { throw .badAttribute("time", "not an RFC 3339 timestamp") }
            guard let data = envelope.data else { throw .missingAttribute("data") }
            let subject = try envelope.optional(.subject), datacontenttype = try envelope.optional(.datacontenttype)
            func tree() throws(WireError) -> SchemaReader {
                let value: JSONValue
                do {
                    value = try JSONParser.parse(UnsafeBufferPointer(rebasing: b[data]))
                } catch {
                    throw .notJSON(error.description)  // checked by the envelope's scan: cannot happen
                }
                return try SchemaReader(value, path: "data")
            }
            func event<P>(_ payload: P) -> CloudEvent<P> {
                var e = CloudEvent(id: id, source: source, type: type, timeMs: 0, subject: subject, data: payload)
                e.time = time
                e.datacontenttype = datacontenttype
                return e
            }
            switch (kind, type) {
            case ("events", let t) where t.hasPrefix(EventTypes.alarmPrefix):
                // The worker the alarm is about: an alert needs someone to be about (docs/schema/alarm.schema.json).
                guard let subject, !subject.isEmpty else { throw .missingAttribute("subject") }
                if let problem = WireName.problem(subject) { throw .badAttribute("subject", problem) }
                let e = event(try AlarmData(tree()))
                try validate(e.data, type: t)
                return .alarm(e)
            case ("telemetry", EventTypes.telemetry):
                switch envelope.telemetry {
                case .success(let readings)?: return .telemetry(TelemetryMessage(id: id, source: source, time: time, readings: readings))
                case .failure(let error)?: throw error
                case nil: throw .missingAttribute("data")  // cannot happen: `data` is there, and was read
                }
            case ("status", EventTypes.status):
                return .status(event(try GatewayStatus(tree())))
            default:
                throw .unknownType(type)
            }
        }
        return (site, gateway, message)
    }

    private static func validate(_ d: AlarmData, type: String) throws(WireError) {
        guard EventTypes.alarm(d.kind) == type else {
            throw .schema("data.kind '\(d.kind.rawValue)' does not match type '\(type)'")
        }
        guard d.values.values.allSatisfy(\.isFinite) else { throw .schema("data.values must be finite numbers") }
        if let problem = WireName.problem(d.condition, mayBeEmpty: true) { throw .schema("data.condition \(problem)") }
    }
}

/// The CloudEvents envelope of a message: one scan checks the whole
/// document's syntax and notes where each attribute's value is (its first
/// occurrence); values are read when asked for. Telemetry's `data` is read on
/// the same scan; what its schema refuses is kept, and thrown only once the
/// whole message is known to be JSON and its attributes are good, so a
/// refusal's kind does not depend on the order of the members.
private struct Envelope {
    enum Attribute: Int, CaseIterable {
        case specversion, id, source, type, time, subject, datacontenttype, data

        var name: StaticString {
            switch self {
            case .specversion: "specversion"
            case .id: "id"
            case .source: "source"
            case .type: "type"
            case .time: "time"
            case .subject: "subject"
            case .datacontenttype: "datacontenttype"
            case .data: "data"
            }
        }
    }

    let cursor: JSONCursor
    /// Per attribute: where its value is.
    private var found: [Range<Int>?] = Array(repeating: nil, count: Attribute.allCases.count)
    /// Telemetry's readings, or why its schema refuses them; nil when `data` was not read.
    private(set) var telemetry: Result<[TelemetryMessage.Reading], WireError>?

    /// `telemetryIn`: the message whose bytes `b` are, when its `data` is telemetry to read.
    init(_ b: UnsafeBufferPointer<UInt8>, telemetryIn message: [UInt8]?) throws(WireError) {
        var c = JSONCursor(b)
        do {
            c.skipSpace()
            let isObject = c.current == UInt8(ascii: "{")
            if isObject {
                c.i += 1
                if !c.take(UInt8(ascii: "}")) {
                    repeat {
                        let name = try c.memberName()
                        let start = c.i
                        let a = Attribute.allCases.first { c.equals(name, $0.name) }
                        if let message, a == .data, found[Attribute.data.rawValue] == nil, c.current != UInt8(ascii: "n") {
                            do {
                                telemetry = .success(try TelemetryMessage.readings(&c, in: message))
                            } catch let refused as WireError {
                                telemetry = .failure(refused)
                                c.i = start
                                try c.skipValue(depth: 1)
                            }
                        } else {
                            try c.skipValue(depth: 1)
                        }
                        if let a, found[a.rawValue] == nil { found[a.rawValue] = start..<c.i }
                    } while try c.next(UInt8(ascii: "}"))
                }
            } else {
                try c.skipValue(depth: 0)
            }
            c.skipSpace()
            guard c.current == nil else { throw c.error("content after the JSON value") }
            guard isObject else { throw WireError.notJSON("not a JSON object") }
        } catch let e as WireError {
            throw e
        } catch {
            throw .notJSON("\(error)")
        }
        cursor = c
    }

    private func string(at r: Range<Int>) -> String? {
        guard cursor.b[r.lowerBound] == UInt8(ascii: "\"") else { return nil }
        var c = JSONCursor(cursor.b, at: r.lowerBound)
        return try? c.string()
    }

    /// A required attribute: a non-empty string.
    func required(_ a: Attribute) throws(WireError) -> String {
        guard let r = found[a.rawValue] else { throw .missingAttribute("\(a)") }
        guard let s = string(at: r), !s.isEmpty else { throw .badAttribute("\(a)", "must be a non-empty string") }
        return s
    }

    /// An optional attribute: absent, null or a string.
    func optional(_ a: Attribute) throws(WireError) -> String? {
        guard let r = found[a.rawValue], cursor.b[r.lowerBound] != UInt8(ascii: "n") else { return nil }
        guard let s = string(at: r) else { throw .badAttribute("\(a)", "must be a string") }
        return s
    }

    /// Where `data` is, unless absent or null.
    var data: Range<Int>? {
        guard let r = found[Attribute.data.rawValue], cursor.b[r.lowerBound] != UInt8(ascii: "n") else { return nil }
        return r
    }
}
