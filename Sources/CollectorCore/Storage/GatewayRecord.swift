import Wire

/// A gateway's last state and since when, as `/api/v1/gateways` shows it.
public struct GatewayRecord: Codable, Sendable, Equatable {
    public var site: String
    public var gateway: String
    public var state: GatewayStatus.State
    public var since: String
    /// How far the gateway's clock is ahead of the collector's (behind when negative), as this
    /// collector estimates it from the last 10 minutes of its messages (``GatewayClocks``).
    public var clockOffsetMs: Int64? = nil

    enum CodingKeys: String, CodingKey {
        case site, gateway, state, since
        case clockOffsetMs = "clock_offset_ms"
    }
}
