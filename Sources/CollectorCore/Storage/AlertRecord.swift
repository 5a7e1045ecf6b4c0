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
