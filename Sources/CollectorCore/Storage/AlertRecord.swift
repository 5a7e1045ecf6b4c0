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
    /// `gas`, `fall`, `immobility`, `sos`, `device-offline`, `low-battery`, `fatigue`.
    public var kind: String
    public var condition: String
    /// `pre-alarm`, `alarm` or `cleared`.
    public var state: String
    public var severity: String
    public var opened: String
    public var updated: String
    /// The CloudEvent id of the event that made this state.
    public var event_id: String
    public var location: AlarmData.LocationData?
    public var values: [String: Double]
}

extension AlertRecord {
    /// The same JSON as `JSONEncoder` with sorted keys (a test compares them),
    /// written by hand: it is made for every alarm stored, inside the commit,
    /// and the generic encoder cost tens of microseconds each time.
    var json: String {
        var out = "{\"condition\":" + JSONWriter.string(condition) + ",\"event_id\":" + JSONWriter.string(event_id)
            + ",\"gateway\":" + JSONWriter.string(gateway) + ",\"id\":" + String(id) + ",\"kind\":" + JSONWriter.string(kind)
        if let l = location {
            out += ",\"location\":{"
            if let v = l.accuracy { out += "\"accuracy\":" + JSONWriter.number(v) + "," }
            out += "\"age_ms\":" + String(l.age_ms)
            if let v = l.floor { out += ",\"floor\":" + String(v) }
            out += ",\"source\":" + JSONWriter.string(l.source) + ",\"time_ms\":" + String(l.time_ms)
            if let v = l.x { out += ",\"x\":" + JSONWriter.number(v) }
            if let v = l.y { out += ",\"y\":" + JSONWriter.number(v) }
            if let v = l.zone { out += ",\"zone\":" + JSONWriter.string(v) }
            out += "}"
        }
        out += ",\"opened\":" + JSONWriter.string(opened) + ",\"severity\":" + JSONWriter.string(severity)
            + ",\"site\":" + JSONWriter.string(site) + ",\"state\":" + JSONWriter.string(state)
            + ",\"updated\":" + JSONWriter.string(updated) + ",\"values\":"
        JSONWriter.numbers(values, into: &out)
        out += ",\"worker\":" + JSONWriter.string(worker) + "}"
        return out
    }
}
