import Wire

/// A gateway's last state and since when, as `/api/v1/gateways` shows it.
public struct GatewayRecord: Codable, Sendable, Equatable {
    public var site: String
    public var gateway: String
    public var state: GatewayStatus.State
    public var since: String
}
