/// Watches one gas of one worker: instantaneous limits with hysteresis, STEL,
/// TWA, over-range, sensor fault and stale readings, each an alarm of its own.
///
/// Conditions (the event's `condition` is `<gas>.<name>`): every named limit
/// (`low`, `high`, `critical`, …), `stel`, `twa`, `over-range`, `fault`,
/// `stale`. Each enters with phase `alarm` and leaves with `cleared`.
/// A NaN, infinite or negative value is handled as a sensor fault: unknown is
/// not safe.
///
/// While a named limit's alarm is on, a reading further beyond it than any
/// before (by at least the hysteresis margin) is told again, as the same
/// condition's `alarm` with the new value: the control room and the report to
/// the authority need the worst the worker was exposed to (the lowest oxygen,
/// the highest H₂S), not the reading that crossed the limit.
public struct GasMonitor: Codable, Sendable, Equatable {
    public let worker: String
    public let gas: GasKind
    public let limits: GasLimits

    private var clock = MonotonicClock()
    /// One latch per condition: the named limits in order, then ``fixedConditions``.
    private var latches: [HysteresisLatch] = []
    private var exposure = ExposureAverager()
    private var lastReadingMs: Int64?
    /// Per named limit, the worst value told while its alarm is on.
    private var worstTold: [Double?]

    public init(worker: String, gas: GasKind, limits: GasLimits? = nil) {
        self.worker = worker
        self.gas = gas
        self.limits = limits ?? .defaults(for: gas)
        latches = Array(repeating: HysteresisLatch(), count: self.limits.limits.count + Fixed.allCases.count)
        worstTold = Array(repeating: nil, count: self.limits.limits.count)
    }

    public var stel: Double { clock.lastMs.map { exposure.stel(atMs: $0) } ?? 0 }
    public var twa: Double { exposure.twa }
    /// The conditions in alarm now, e.g. `["high", "stel"]`.
    public var activeConditions: [String] {
        latches.indices.filter { latches[$0].active }.map(conditionName).sorted()
    }

    /// The conditions every gas has besides its named limits.
    private enum Fixed: Int, CaseIterable {
        case stel, twa, overRange, fault, stale
        var name: String { self == .overRange ? "over-range" : "\(self)" }
    }

    private func conditionName(_ index: Int) -> String {
        index < limits.limits.count ? limits.limits[index].name : Fixed(rawValue: index - limits.limits.count)!.name
    }

    private func index(_ condition: Fixed) -> Int { limits.limits.count + condition.rawValue }

    /// Starts a new 8-hour TWA period (the worker's shift).
    public mutating func startShift() { exposure.startShift() }

    public mutating func ingest(_ reading: GasReading, location: Location? = nil) throws(SampleRejection) -> [SafetyEvent] {
        precondition(reading.gas == gas, "reading for \(reading.gas) fed to the \(gas) monitor")
        try clock.accept(reading.timeMs)
        let t = reading.timeMs
        let limits = self.limits
        var events = update(index(.stale), beyond: false, safe: true, at: t, hold: 0, severity: .alarm, values: [:], location)
        lastReadingMs = t

        let usable = reading.value.flatMap { $0.isFinite && $0 >= 0 ? $0 : nil }
        let fault = reading.sensorFault || (reading.value != nil && usable == nil) || (usable == nil && !reading.overRange)
        events += update(
            index(.fault), beyond: fault, safe: !fault, at: t, hold: limits.holdMs, severity: .alarm,
            values: usable.map { ["value": $0] } ?? [:], location)
        let overRange = reading.overRange || (usable.map { $0 >= limits.rangeMax } ?? false)
        events += update(
            index(.overRange), beyond: overRange, safe: !overRange, at: t, hold: limits.holdMs,
            severity: .critical, values: ["rangeMax": limits.rangeMax], location)

        guard let value = usable else { return events }
        exposure.add(value: value, atMs: t, maxGapMs: limits.staleAfterMs)
        for (k, limit) in limits.limits.enumerated() {
            let changed = update(
                k, beyond: limit.isBeyond(value), safe: limit.isSafe(value, margin: limits.margin),
                at: t, hold: limits.holdMs, severity: limit.severity,
                values: ["value": value, "limit": limit.value], location)
            events += changed
            if let entered = changed.first, entered.phase == .alarm {
                worstTold[k] = value
            } else if changed.isEmpty, latches[k].active, let worst = worstTold[k], limit.isWorse(value, than: worst, by: limits.margin) {
                worstTold[k] = value
                events.append(
                    SafetyEvent(
                        worker: worker, type: .gas, condition: "\(gas.rawValue).\(limit.name)", phase: .alarm, severity: limit.severity,
                        timeMs: t, values: ["value": value, "limit": limit.value], location: location))
            }
        }
        if let stelLimit = limits.stel {
            let stel = exposure.stel(atMs: t)
            events += update(
                index(.stel), beyond: stel >= stelLimit, safe: stel < stelLimit - limits.margin, at: t,
                hold: limits.holdMs, severity: .alarm, values: ["stel": stel, "limit": stelLimit], location)
        }
        if let twaLimit = limits.twa {
            let twa = exposure.twa
            events += update(
                index(.twa), beyond: twa >= twaLimit, safe: twa < twaLimit, at: t, hold: 0,
                severity: .alarm, values: ["twa": twa, "limit": twaLimit], location)
        }
        return events
    }

    /// Lets time pass without a reading: a connected sensor silent for longer
    /// than `staleAfterMs` raises the stale alarm. Call it on the agent's tick.
    public mutating func advance(toMs now: Int64, location: Location? = nil) -> [SafetyEvent] {
        guard let lastReadingMs, now - lastReadingMs > limits.staleAfterMs else { return [] }
        return update(
            index(.stale), beyond: true, safe: false, at: now, hold: 0, severity: .alarm,
            values: ["silentMs": Double(now - lastReadingMs)], location)
    }

    private mutating func update(
        _ condition: Int, beyond: Bool, safe: Bool, at t: Int64, hold: Int64, severity: Severity,
        values: @autoclosure () -> [String: Double], _ location: Location?
    ) -> [SafetyEvent] {
        guard let transition = latches[condition].update(beyond: beyond, safe: safe, atMs: t, holdMs: hold) else {
            return []
        }
        return [
            SafetyEvent(
                worker: worker, type: .gas, condition: "\(gas.rawValue).\(conditionName(condition))",
                phase: transition == .entered ? .alarm : .cleared,
                severity: transition == .entered ? severity : .info,
                timeMs: t, values: values(), location: location)
        ]
    }
}
