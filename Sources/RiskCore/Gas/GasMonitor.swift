/// Watches one gas of one worker: instantaneous limits with hysteresis, STEL,
/// TWA, over-range, sensor fault and stale readings, each an alarm of its own.
///
/// Conditions (the event's `condition` is `<gas>.<name>`): every named limit
/// (`low`, `high`, `critical`, …), `stel`, `twa`, `over-range`, `fault`,
/// `stale`. Each enters with phase `alarm` and leaves with `cleared`.
/// A NaN, infinite or negative value is handled as a sensor fault: unknown is
/// not safe.
public struct GasMonitor: Codable, Sendable, Equatable {
    public let worker: String
    public let gas: GasKind
    public var limits: GasLimits

    private var clock = MonotonicClock()
    private var latches: [String: HysteresisLatch] = [:]
    private var exposure = ExposureAverager()
    private var lastReadingMs: Int64?

    public init(worker: String, gas: GasKind, limits: GasLimits? = nil) {
        self.worker = worker
        self.gas = gas
        self.limits = limits ?? .defaults(for: gas)
    }

    public var stel: Double { clock.lastMs.map { exposure.stel(atMs: $0) } ?? 0 }
    public var twa: Double { exposure.twa }
    /// The conditions in alarm now, e.g. `["high", "stel"]`.
    public var activeConditions: [String] { latches.filter(\.value.active).map(\.key).sorted() }

    /// Starts a new 8-hour TWA period (the worker's shift).
    public mutating func startShift() { exposure.startShift() }

    public mutating func ingest(_ reading: GasReading, location: Location? = nil) throws(SampleRejection) -> [SafetyEvent] {
        precondition(reading.gas == gas, "reading for \(reading.gas) fed to the \(gas) monitor")
        try clock.accept(reading.timeMs)
        let t = reading.timeMs
        var events = update("stale", beyond: false, safe: true, at: t, hold: 0, severity: .alarm, values: [:], location)
        lastReadingMs = t

        let usable = reading.value.flatMap { $0.isFinite && $0 >= 0 ? $0 : nil }
        let fault = reading.sensorFault || (reading.value != nil && usable == nil) || (usable == nil && !reading.overRange)
        events += update("fault", beyond: fault, safe: !fault, at: t, hold: limits.holdMs, severity: .alarm,
                         values: usable.map { ["value": $0] } ?? [:], location)
        let overRange = reading.overRange || (usable.map { $0 >= limits.rangeMax } ?? false)
        events += update("over-range", beyond: overRange, safe: !overRange, at: t, hold: limits.holdMs,
                         severity: .critical, values: ["rangeMax": limits.rangeMax], location)

        guard let value = usable else { return events }
        exposure.add(value: value, atMs: t, maxGapMs: limits.staleAfterMs)
        for limit in limits.limits {
            events += update(limit.name, beyond: limit.isBeyond(value), safe: limit.isSafe(value, margin: limits.margin),
                             at: t, hold: limits.holdMs, severity: limit.severity,
                             values: ["value": value, "limit": limit.value], location)
        }
        if let stelLimit = limits.stel {
            let stel = exposure.stel(atMs: t)
            events += update("stel", beyond: stel >= stelLimit, safe: stel < stelLimit - limits.margin, at: t,
                             hold: limits.holdMs, severity: .alarm, values: ["stel": stel, "limit": stelLimit], location)
        }
        if let twaLimit = limits.twa {
            let twa = exposure.twa
            events += update("twa", beyond: twa >= twaLimit, safe: twa < twaLimit, at: t, hold: 0,
                             severity: .alarm, values: ["twa": twa, "limit": twaLimit], location)
        }
        return events
    }

    /// Lets time pass without a reading: a connected sensor silent for longer
    /// than `staleAfterMs` raises the stale alarm. Call it on the agent's tick.
    public mutating func advance(toMs now: Int64, location: Location? = nil) -> [SafetyEvent] {
        guard let lastReadingMs, now - lastReadingMs > limits.staleAfterMs else { return [] }
        return update("stale", beyond: true, safe: false, at: now, hold: 0, severity: .alarm,
                      values: ["silentMs": Double(now - lastReadingMs)], location)
    }

    private mutating func update(
        _ name: String, beyond: Bool, safe: Bool, at t: Int64, hold: Int64, severity: Severity,
        values: [String: Double], _ location: Location?
    ) -> [SafetyEvent] {
        var latch = latches[name] ?? HysteresisLatch()
        let transition = latch.update(beyond: beyond, safe: safe, atMs: t, holdMs: hold)
        latches[name] = latch
        guard let transition else { return [] }
        return [SafetyEvent(worker: worker, type: .gas, condition: "\(gas.rawValue).\(name)",
                            phase: transition == .entered ? .alarm : .cleared,
                            severity: transition == .entered ? severity : .info,
                            timeMs: t, values: values, location: location)]
    }
}
