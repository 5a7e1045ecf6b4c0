/// Alarm settings for one gas. Every value can be overridden per site.
///
/// Defaults (docs/detection.md, "Rules and their sources"): instantaneous
/// alarms are Industrial Scientific's published factory settings; STEL/TWA are Taiwan's 勞工作業場所
/// 容許暴露標準 (H2S TWA 10 / STEL 15 ppm, CO TWA 35 ppm; marked *recalled* in
/// docs/detection.md, to be checked against the current regulation before
/// certification). Critical levels are the legal danger levels: oxygen
/// deficiency below 18 % (缺氧症預防規則 §2) and 30 % LEL (立即危險認定標準 §6,
/// evacuate and remove ignition sources).
public struct GasLimits: Codable, Sendable, Equatable {
    public enum Direction: String, Codable, Sendable { case above, below }

    /// One instantaneous limit: `above` trips at value ≥ limit, `below` at value < limit.
    public struct Limit: Codable, Sendable, Equatable {
        public var name: String
        public var direction: Direction
        public var value: Double
        public var severity: Severity

        public init(name: String, direction: Direction, value: Double, severity: Severity) {
            self.name = name
            self.direction = direction
            self.value = value
            self.severity = severity
        }

        func isBeyond(_ v: Double) -> Bool { direction == .above ? v >= value : v < value }
        func isSafe(_ v: Double, margin: Double) -> Bool {
            direction == .above ? v < value - margin : v >= value + margin
        }
        /// Further beyond the limit than `worst` by at least `step`.
        func isWorse(_ v: Double, than worst: Double, by step: Double) -> Bool {
            direction == .above ? v >= worst + step : v <= worst - step
        }
    }

    public var limits: [Limit]
    /// Short-term exposure limit, 15-minute average (nil: not monitored).
    public var stel: Double?
    /// Time-weighted average over 8 h (nil: not monitored).
    public var twa: Double?
    /// Readings at or above this are over-range (unknown, possibly lethal).
    public var rangeMax: Double
    /// How far back inside a limit a reading must be before the alarm clears.
    public var margin: Double
    /// How long it must stay there (ms).
    public var holdMs: Int64 = 5_000
    /// A connected sensor silent this long is an alarm of its own (ms).
    public var staleAfterMs: Int64 = 10_000

    public init(
        limits: [Limit], stel: Double? = nil, twa: Double? = nil, rangeMax: Double, margin: Double,
        holdMs: Int64 = 5_000, staleAfterMs: Int64 = 10_000
    ) {
        self.limits = limits
        self.stel = stel
        self.twa = twa
        self.rangeMax = rangeMax
        self.margin = margin
        self.holdMs = holdMs
        self.staleAfterMs = staleAfterMs
    }

    public static func defaults(for gas: GasKind) -> GasLimits {
        switch gas {
        case .o2:
            GasLimits(
                limits: [
                    Limit(name: "low", direction: .below, value: 19.5, severity: .alarm),
                    Limit(name: "high", direction: .above, value: 23.5, severity: .alarm),
                    Limit(name: "critical", direction: .below, value: 18.0, severity: .critical),
                ], rangeMax: 30, margin: 0.2)
        case .lel:
            GasLimits(
                limits: [
                    Limit(name: "low", direction: .above, value: 10, severity: .warning),
                    Limit(name: "high", direction: .above, value: 20, severity: .alarm),
                    Limit(name: "critical", direction: .above, value: 30, severity: .critical),
                ], rangeMax: 100, margin: 1)
        case .h2s:
            GasLimits(
                limits: [
                    Limit(name: "low", direction: .above, value: 10, severity: .warning),
                    Limit(name: "high", direction: .above, value: 20, severity: .alarm),
                ], stel: 15, twa: 10, rangeMax: 200, margin: 1)
        case .co:
            GasLimits(
                limits: [
                    Limit(name: "low", direction: .above, value: 35, severity: .warning),
                    Limit(name: "high", direction: .above, value: 70, severity: .alarm),
                ], stel: 200, twa: 35, rangeMax: 1_000, margin: 5)
        }
    }
}
