import CMosquitto

public enum MQTTQoS: Int32, Sendable {
    case atMostOnce = 0
    case atLeastOnce = 1
    case exactlyOnce = 2
}

public struct MQTTMessage: Sendable, Equatable {
    public var topic: String
    public var payload: [UInt8]
    public var qos: MQTTQoS
    public var retain: Bool
}

public enum MQTTConnectionEvent: Sendable, Equatable {
    case connected
    /// The broker refused the connection (MQTT 5 reason code) or it could not be made.
    case connectFailed(reasonCode: Int32)
    /// 0 after ``MQTTClient/stop(timeout:)``; anything else is unexpected and libmosquitto reconnects.
    case disconnected(reasonCode: Int32)
}

/// Everything needed to connect; persistent session by default (clean start
/// off, stable client id), so the broker keeps QoS 1 messages for us while
/// we are away.
public struct MQTTConfiguration: Sendable {
    public struct Will: Sendable {
        public var topic: String
        public var payload: [UInt8]
        public var qos: MQTTQoS
        public var retain: Bool
        public init(topic: String, payload: [UInt8], qos: MQTTQoS = .atLeastOnce, retain: Bool = true) {
            self.topic = topic
            self.payload = payload
            self.qos = qos
            self.retain = retain
        }
    }

    public var host: String
    public var port: Int
    public var clientID: String
    public var keepAliveSeconds = 30
    public var cleanStart = false
    /// How long the broker keeps the session (subscriptions, queued QoS 1
    /// messages) after a disconnect, when `cleanStart` is off. Default: 7 days.
    public var sessionExpirySeconds: UInt32 = 7 * 86_400
    public var username: String?
    public var password: String?
    /// TLS: the CA file; a client certificate and key optionally.
    public var caFile: String?
    public var certFile: String?
    public var keyFile: String?
    public var will: Will?
    /// Reconnect backoff, seconds: doubles from min to max.
    public var reconnectDelayMin: UInt32 = 1
    public var reconnectDelayMax: UInt32 = 30

    public init(host: String, port: Int, clientID: String) {
        self.host = host
        self.port = port
        self.clientID = clientID
    }
}

public struct MQTTError: Error, Sendable, Equatable, CustomStringConvertible {
    public var operation: String
    /// A libmosquitto error (`MOSQ_ERR_*`) or, with `isReasonCode`, an MQTT 5 reason code.
    public var code: Int32
    public var isReasonCode = false

    public var description: String {
        isReasonCode
            ? "\(operation): MQTT reason code 0x\(String(code, radix: 16))"
            : "\(operation): \(String(cString: mosquitto_strerror(code)))"
    }
}
