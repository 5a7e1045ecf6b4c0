import Wire

/// One alarm occurrence as rescue coordinators see it: opened by the first
/// pre-alarm or alarm of a worker's condition, updated as it escalates,
/// closed when the agent reports it cleared. The JSON of the alerts API and
/// of each SSE event.
public struct AlertRecord: Codable, Sendable, Equatable {
    public var id: Int64
    public var site: String
    public var gateway: String
    public var worker: String
    /// `gas`, `fall`, `immobility`, `sos`, `device-offline`, `low-battery`, `fatigue`, and the
    /// collector's own `gateway-offline` and `unreadable-alarm` (no worker; the gateway is the condition),
    /// `report-overdue` and `audit-broken` (no gateway or worker).
    public var kind: String
    public var condition: String
    public var state: AlarmPhase
    public var severity: AlarmSeverity
    public var opened: String
    public var updated: String
    /// What the gateway said the time of this state was, when `updated` (or `opened`) is not
    /// that: the gateway's clock was off, or its time implausible (``AlertBook/alarmTime(_:receivedMs:clockOffsetMs:)``).
    public var gatewayTime: String?
    /// The CloudEvent id of the event that made this state.
    public var eventId: String
    public var location: AlarmData.LocationData?
    public var values: [String: Double]
    /// The coordinators' handling (``AlertHandling``).
    public var handling: Handling = .unacknowledged
    /// When and by whom (a coordinator's name from the config) it was acknowledged.
    public var acknowledged: String?
    public var acknowledgedBy: String?
    public var resolved: String?
    public var resolvedBy: String?
    public var resolution: Resolution?
    /// The resolving coordinator's words.
    public var note: String?
    /// When it escalated: open, and nobody acknowledged it within `alerts.escalate_after`.
    public var escalated: String?
    /// The alert at its worst, apart from its current `state`, `severity` and `values`
    /// (``AlertBook/worse(_:than:)``): a cleared alarm is reported by what it was.
    public var worst: Worst?
    /// For an alert that stands for one cause (``AlertCause``): every condition of it, as its
    /// gateway last reported each; nil for an alert of one condition.
    public var covers: [Covered]?

    /// The API's and the store's names: snake_case on the wire.
    enum CodingKeys: String, CodingKey {
        case id, site, gateway, worker, kind, condition, state, severity, opened, updated, location, values, handling, acknowledged, resolved
        case resolution, note, escalated, worst, covers
        case gatewayTime = "gateway_time"
        case eventId = "event_id"
        case acknowledgedBy = "acknowledged_by"
        case resolvedBy = "resolved_by"
    }

    /// The gravest severity an alert reached, the reading that made it (the lowest oxygen,
    /// the highest H₂S, the longest stillness), and when.
    public struct Worst: Codable, Sendable, Equatable {
        public var severity: AlarmSeverity
        public var values: [String: Double]
        public var time: String
    }

    /// One condition an alert of one cause covers: its kind and condition as the gateway
    /// sent them, its state, since when it has been on, and its last values.
    public struct Covered: Codable, Sendable, Equatable {
        public var kind: String
        public var condition: String
        public var state: AlarmPhase
        public var severity: AlarmSeverity
        public var since: String
        public var updated: String
        /// The gateway's own time of its last report (``AlertBook/Change/orderMs``), which orders its reports.
        public var orderMs: Int64
        public var values: [String: Double]

        enum CodingKeys: String, CodingKey {
            case kind, condition, state, severity, since, updated, values
            case orderMs = "order_ms"
        }
    }

    /// Where the coordinators are with an alert: apart from its `state`, which is what the
    /// gateway reports of the condition.
    public enum Handling: String, Codable, Sendable {
        case unacknowledged, acknowledged, resolved
    }

    /// Why an alert was resolved: it happened, it did not, or it was a drill.
    public enum Resolution: String, Codable, Sendable, CaseIterable {
        case realIncident = "real-incident"
        case falseAlarm = "false-alarm"
        case test
    }
}

extension AlertRecord {
    /// The same JSON as `JSONEncoder` with sorted keys (a test compares them),
    /// written by hand: it is made for every alarm stored, inside the commit,
    /// and the generic encoder cost tens of microseconds each time.
    var json: String {
        var out = "{", first = true
        out.reserveCapacity(512)
        func key(_ name: StaticString) {
            out += first ? "\"" : ",\""
            first = false
            out += name.description
            out += "\":"
        }
        func field(_ name: StaticString, _ value: String?) {
            guard let value else { return }
            key(name)
            JSONWriter.string(value, into: &out)
        }
        field("acknowledged", acknowledged)
        field("acknowledged_by", acknowledgedBy)
        field("condition", condition)
        if let covers {
            key("covers")
            Self.json(covers, into: &out)
        }
        field("escalated", escalated)
        field("event_id", eventId)
        field("gateway", gateway)
        field("gateway_time", gatewayTime)
        field("handling", handling.rawValue)
        key("id")
        out += String(id)
        field("kind", kind)
        if let location {
            key("location")
            Self.json(location, into: &out)
        }
        field("note", note)
        field("opened", opened)
        field("resolution", resolution?.rawValue)
        field("resolved", resolved)
        field("resolved_by", resolvedBy)
        field("severity", severity.rawValue)
        field("site", site)
        field("state", state.rawValue)
        field("updated", updated)
        key("values")
        JSONWriter.numbers(values, into: &out)
        field("worker", worker)
        if let worst { out += ",\"worst\":" + Self.json(worst) }
        out += "}"
        return out
    }

    /// A worst reading as `JSONEncoder` writes it, sorted keys: the `worst` column and the snapshot's.
    static func json(_ w: Worst) -> String {
        var out = "{\"severity\":\"" + w.severity.rawValue + "\",\"time\":"
        JSONWriter.string(w.time, into: &out)
        out += ",\"values\":"
        JSONWriter.numbers(w.values, into: &out)
        return out + "}"
    }

    /// The conditions an alert covers as `JSONEncoder` writes them: the `covers` column and the snapshot's.
    static func json(_ covers: [Covered]) -> String {
        var out = ""
        json(covers, into: &out)
        return out
    }

    private static func json(_ covers: [Covered], into out: inout String) {
        out += "["
        for (i, c) in covers.enumerated() {
            out += i == 0 ? "{\"condition\":" : ",{\"condition\":"
            JSONWriter.string(c.condition, into: &out)
            out += ",\"kind\":"
            JSONWriter.string(c.kind, into: &out)
            out += ",\"order_ms\":" + String(c.orderMs)
            out += ",\"severity\":\"" + c.severity.rawValue + "\",\"since\":"
            JSONWriter.string(c.since, into: &out)
            out += ",\"state\":\"" + c.state.rawValue + "\",\"updated\":"
            JSONWriter.string(c.updated, into: &out)
            out += ",\"values\":"
            JSONWriter.numbers(c.values, into: &out)
            out += "}"
        }
        out += "]"
    }

    /// A location as `JSONEncoder` writes it, sorted keys, absent fields left out.
    static func json(_ l: AlarmData.LocationData) -> String {
        var out = ""
        json(l, into: &out)
        return out
    }

    private static func json(_ l: AlarmData.LocationData, into out: inout String) {
        out += "{"
        if let v = l.accuracy { out += "\"accuracy\":" + JSONWriter.number(v) + "," }
        out += "\"age_ms\":" + String(l.age_ms)
        if let v = l.floor { out += ",\"floor\":" + String(v) }
        out += ",\"source\":"
        JSONWriter.string(l.source, into: &out)
        out += ",\"time_ms\":" + String(l.time_ms)
        if let v = l.x { out += ",\"x\":" + JSONWriter.number(v) }
        if let v = l.y { out += ",\"y\":" + JSONWriter.number(v) }
        if let v = l.zone {
            out += ",\"zone\":"
            JSONWriter.string(v, into: &out)
        }
        out += "}"
    }
}
