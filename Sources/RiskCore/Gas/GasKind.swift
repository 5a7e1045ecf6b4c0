/// The four gases of a 4-gas detector, with the units the Canary profile uses.
public enum GasKind: String, Codable, Sendable, CaseIterable {
    /// Oxygen, % by volume.
    case o2 = "O2"
    /// Carbon monoxide, ppm.
    case co = "CO"
    /// Hydrogen sulphide, ppm.
    case h2s = "H2S"
    /// Flammable gas, % of the lower explosive limit.
    case lel = "LEL"

    public var unit: String {
        switch self {
        case .o2: "%vol"
        case .co, .h2s: "ppm"
        case .lel: "%LEL"
        }
    }
}

/// One reading of one gas sensor. `value` is nil when the device sent a
/// fault or over-range flag without a usable number.
public struct GasReading: Codable, Sendable, Equatable {
    public var gas: GasKind
    public var timeMs: Int64
    public var value: Double?
    /// The device reports the value beyond its measuring range.
    public var overRange: Bool
    /// The device reports a sensor fault.
    public var sensorFault: Bool

    public init(gas: GasKind, timeMs: Int64, value: Double?, overRange: Bool = false, sensorFault: Bool = false) {
        self.gas = gas
        self.timeMs = timeMs
        self.value = value
        self.overRange = overRange
        self.sensorFault = sensorFault
    }
}
