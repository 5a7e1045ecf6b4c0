/// Where a worker was last seen, with where that knowledge came from and when.
///
/// docs/detection.md, "Rules and their sources": coordinates from the locator,
/// else the zone of the strongest fixed beacon, else the gateway that hears
/// the worker best.
public struct Location: Codable, Sendable, Equatable {
    public enum Source: String, Codable, Sendable {
        case locator
        case beaconZone = "beacon-zone"
        case gateway
    }

    public var source: Source
    /// Metres east and north of the site origin (locator only).
    public var x: Double?
    public var y: Double?
    public var floor: Int?
    public var accuracy: Double?
    /// The zone or gateway name (beacon and gateway sources).
    public var zone: String?
    /// Unix time in milliseconds of the observation.
    public var timeMs: Int64

    public init(
        source: Source, x: Double? = nil, y: Double? = nil, floor: Int? = nil,
        accuracy: Double? = nil, zone: String? = nil, timeMs: Int64
    ) {
        self.source = source
        self.x = x
        self.y = y
        self.floor = floor
        self.accuracy = accuracy
        self.zone = zone
        self.timeMs = timeMs
    }
}
