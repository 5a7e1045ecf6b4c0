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
    /// collector's own `gateway-offline` and `unreadable-alarm` (no worker; the gateway is the condition).
    public var kind: String
    public var condition: String
    public var state: AlarmPhase
    public var severity: AlarmSeverity
    public var opened: String
    public var updated: String
    /// What the gateway said the time of this state was, when that was implausible
    /// and `updated` (or `opened`) is the collector's clock instead (``AlertBook/plausibleTime``).
    public var gateway_time: String?
    /// The CloudEvent id of the event that made this state.
    public var event_id: String
    public var location: AlarmData.LocationData?
    public var values: [String: Double]
    /// The coordinators' handling (``AlertHandling``).
    public var handling: Handling = .unacknowledged
    /// When and by whom (a coordinator's name from the config) it was acknowledged.
    public var acknowledged: String?
    public var acknowledged_by: String?
    public var resolved: String?
    public var resolved_by: String?
    public var resolution: Resolution?
    /// The resolving coordinator's words.
    public var note: String?
    /// When it escalated: open, and nobody acknowledged it within `alerts.escalate_after`.
    public var escalated: String?

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
        field("acknowledged_by", acknowledged_by)
        field("condition", condition)
        field("escalated", escalated)
        field("event_id", event_id)
        field("gateway", gateway)
        field("gateway_time", gateway_time)
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
        field("resolved_by", resolved_by)
        field("severity", severity.rawValue)
        field("site", site)
        field("state", state.rawValue)
        field("updated", updated)
        key("values")
        JSONWriter.numbers(values, into: &out)
        field("worker", worker)
        out += "}"
        return out
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
