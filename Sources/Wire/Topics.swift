/// MQTT topics (ARCHITECTURE.md "Transport"): one tree per gateway.
///
/// `canary/v1/{site}/{gateway}/events`    alarms and state changes (QoS 1)
/// `canary/v1/{site}/{gateway}/telemetry` batched readings (QoS 1)
/// `canary/v1/{site}/{gateway}/status`    `online` / `offline`, retained; `offline` is the last will
/// `canary/v1/{site}/{gateway}/ack`       collector → gateway: ids committed to storage
public struct Topics: Sendable, Equatable {
    public let site: String
    public let gateway: String

    /// Site and gateway names become topic levels: no `/`, `+`, `#` or empty names.
    public init(site: String, gateway: String) throws(WireError) {
        for (key, value) in [("site", site), ("gateway", gateway)] {
            guard !value.isEmpty, !value.contains(where: { "/+#".contains($0) || $0.isNewline }) else {
                throw .invalidName(key, value)
            }
        }
        self.site = site
        self.gateway = gateway
    }

    public var prefix: String { "canary/v1/\(site)/\(gateway)" }
    public var events: String { "\(prefix)/events" }
    public var telemetry: String { "\(prefix)/telemetry" }
    public var status: String { "\(prefix)/status" }
    public var ack: String { "\(prefix)/ack" }
    /// `canary://{site}/{gateway}`: the CloudEvents source of everything this gateway sends.
    public var source: String { "canary://\(site)/\(gateway)" }

    /// What a collector subscribes to; with `shareGroup`, an MQTT 5 shared
    /// subscription so several collectors split the load.
    public static func collectorSubscriptions(shareGroup: String? = nil) -> [String] {
        let filters = ["canary/v1/+/+/events", "canary/v1/+/+/telemetry", "canary/v1/+/+/status"]
        guard let group = shareGroup else { return filters }
        return filters.map { $0.hasSuffix("/status") ? $0 : "$share/\(group)/\($0)" }
    }

    /// Site, gateway and kind of a topic a collector received on; nil for anything else.
    public static func parse(_ topic: String) -> (site: String, gateway: String, kind: String)? {
        let parts = topic.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "canary", parts[1] == "v1",
              ["events", "telemetry", "status", "ack"].contains(parts[4]),
              !parts[2].isEmpty, !parts[3].isEmpty else { return nil }
        return (String(parts[2]), String(parts[3]), String(parts[4]))
    }
}
