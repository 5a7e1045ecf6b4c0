/// MQTT topics (docs/wire.md): one tree per gateway.
///
/// `canary/v1/{site}/{gateway}/events`    alarms and state changes (QoS 1)
/// `canary/v1/{site}/{gateway}/telemetry` batched readings (QoS 1)
/// `canary/v1/{site}/{gateway}/status`    `online` / `offline`, retained; `offline` is the last will
/// `canary/v1/{site}/{gateway}/ack`       collector → gateway: ids committed to storage
public struct Topics: Sendable, Hashable {
    public let site: String
    public let gateway: String

    /// Site and gateway names become topic levels: no `/`, `+`, `#` or empty names.
    public init(site: String, gateway: String) throws(WireError) {
        for (key, value) in [("site", site), ("gateway", gateway)] where !Self.isLevel(value) {
            throw .invalidName(key, value)
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

    /// Whether a name can be a topic level: not empty, no `/`, `+`, `#` or line break.
    /// Runs for every message the collector receives, so ASCII is checked byte by byte.
    static func isLevel(_ name: String) -> Bool {
        guard !name.isEmpty else { return false }
        let utf8 = name.utf8
        if utf8.allSatisfy({ $0 < 0x80 }) {
            return !utf8.contains {
                $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "#") || $0 == 0x0A || $0 == 0x0B || $0 == 0x0C || $0 == 0x0D
            }
        }
        return !name.contains { "/+#".contains($0) || $0.isNewline }
    }

    /// Site, gateway and kind of a topic a collector received on; nil for anything else.
    public static func parse(_ topic: String) -> (site: String, gateway: String, kind: String)? {
        let parts = topic.utf8.split(separator: UInt8(ascii: "/"), maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0].elementsEqual("canary".utf8), parts[1].elementsEqual("v1".utf8),
            !parts[2].isEmpty, !parts[3].isEmpty,
            let kind = ["events", "telemetry", "status", "ack"].first(where: { parts[4].elementsEqual($0.utf8) }),
            let site = String(parts[2]), let gateway = String(parts[3])
        else { return nil }
        return (site, gateway, kind)
    }
}
