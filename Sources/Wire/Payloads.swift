/// `data` of `tw.canary.alarm.*`: one phase change of one alarm condition.
public struct AlarmData: Codable, Sendable, Equatable {
    public var kind: AlarmKind
    public var condition: String
    public var phase: AlarmPhase
    public var severity: AlarmSeverity
    public var time_ms: Int64
    public var values: [String: Double]
    public var location: LocationData?

    public struct LocationData: Codable, Sendable, Equatable {
        public var source: String
        public var x: Double?
        public var y: Double?
        public var floor: Int?
        public var accuracy: Double?
        public var zone: String?
        public var time_ms: Int64
        /// How old the location was when the alarm was raised.
        public var age_ms: Int64

        public init(source: String, x: Double?, y: Double?, floor: Int?, accuracy: Double?, zone: String?, time_ms: Int64, age_ms: Int64) {
            self.source = source
            self.x = x
            self.y = y
            self.floor = floor
            self.accuracy = accuracy
            self.zone = zone
            self.time_ms = time_ms
            self.age_ms = age_ms
        }
    }

    public init(
        kind: AlarmKind, condition: String, phase: AlarmPhase, severity: AlarmSeverity, time_ms: Int64, values: [String: Double],
        location: LocationData? = nil
    ) {
        self.kind = kind
        self.condition = condition
        self.phase = phase
        self.severity = severity
        self.time_ms = time_ms
        self.values = values
        self.location = location
    }
}

/// `data` of `tw.canary.telemetry`: many readings in one message.
public struct TelemetryBatch: Codable, Sendable, Equatable {
    public struct Reading: Codable, Sendable, Equatable {
        public var worker: String
        public var device: String
        /// `gas`, `position`, `heart-rate`, `sleep`, `overwork`, `battery`, `motion-summary`.
        public var kind: String
        public var time_ms: Int64
        public var values: [String: Double]

        public init(worker: String, device: String, kind: String, time_ms: Int64, values: [String: Double]) {
            self.worker = worker
            self.device = device
            self.kind = kind
            self.time_ms = time_ms
            self.values = values
        }
    }

    public var readings: [Reading]
    public init(readings: [Reading]) { self.readings = readings }
}

/// `data` of `tw.canary.gateway.status` (retained; the broker publishes `offline` as the last will).
public struct GatewayStatus: Codable, Sendable, Equatable {
    public var state: State
    public var version: String?
    /// Why a gateway is offline: it stopped, or the broker lost it (the last will).
    /// The collector raises an alert either way, a louder one unless it stopped. Other
    /// values are accepted: refusing an `offline` for its reason would hide a lost gateway.
    public var reason: String?

    /// The agent stopped cleanly and said so.
    public static let stopped = "stopped"
    /// The last will: the broker heard nothing for 1.5 keepalives, or the connection broke.
    public static let connectionLost = "connection-lost"

    public enum State: String, Codable, Sendable, CaseIterable { case online, offline }

    public init(state: State, version: String? = nil, reason: String? = nil) {
        self.state = state
        self.version = version
        self.reason = reason
    }
}

/// `data` of `tw.canary.ack`: the ids the collector has committed to storage.
public struct Ack: Codable, Sendable, Equatable {
    public var ids: [String]
    public init(ids: [String]) { self.ids = ids }
}

public enum EventTypes {
    public static let alarmPrefix = "tw.canary.alarm."
    public static let telemetry = "tw.canary.telemetry"
    public static let status = "tw.canary.gateway.status"
    public static let ack = "tw.canary.ack"

    public static func alarm(_ kind: AlarmKind) -> String { alarmPrefix + kind.rawValue }
}
