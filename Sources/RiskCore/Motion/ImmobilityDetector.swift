/// "Man down": no significant motion for 20 s raises a pre-alarm, for 30 s an
/// alarm (docs/detection.md, "Rules and their sources"; MSA ALTAIR 5X uses
/// the same 20/30 s).
///
/// Motion is judged once a second, from either source:
/// - the accelerometer stream: the standard deviation of |a| over a 1-s
///   window. On SisFall, people lying still after a fall stay below 0.011 g
///   in 95 % of seconds (breathing included) and walking stays above 0.036 g
///   in 95 %; the default threshold 0.02 g sits between.
/// - the gas detector's 1 Hz motion summary (largest deviation of |a| from
///   1 g in the last second), when no stream is connected. Its threshold
///   (0.1 g) is higher because a device's offset from 1 g at rest counts in it.
///
/// The alarm stays latched until motion has resumed *and* someone has
/// acknowledged it (either order), or a coordinator clears it. Motion during
/// the pre-alarm clears it.
public struct ImmobilityDetector: Codable, Sendable, Equatable {
    public struct Settings: Codable, Sendable, Equatable {
        public var preAlarmMs: Int64 = 20_000
        public var alarmMs: Int64 = 30_000
        public var streamThresholdG: Double = 0.02
        public var summaryThresholdG: Double = 0.1
        public var windowMs: Int64 = 1_000
        public init() {}
    }

    private enum State: Codable, Sendable, Equatable {
        case watching
        case preAlarm
        case alarm(moved: Bool, acknowledged: Bool)
    }

    public let worker: String
    public var settings: Settings
    /// The stream and the summary come from different sources, each in its own order.
    private var clock = MonotonicClock()
    private var summaryClock = MonotonicClock()
    private var lastMotionMs: Int64?
    private var state = State.watching
    // The current 1-s window of the stream: start, n, Σ|a|, Σ|a|².
    private var windowStartMs: Int64?
    private var windowCount = 0
    private var windowSum = 0.0
    private var windowSumSquares = 0.0

    public init(worker: String, settings: Settings = Settings()) {
        self.worker = worker
        self.settings = settings
    }

    public var isAlarm: Bool { if case .alarm = state { true } else { false } }
    public var isPreAlarm: Bool { state == .preAlarm }

    public mutating func ingest(_ s: AccelSample, location: Location? = nil) throws(SampleRejection) -> [SafetyEvent] {
        guard s.isPlausible else { throw .invalidValue("acceleration \(s.x), \(s.y), \(s.z) mg") }
        try clock.accept(s.timeMs)
        let m = ((s.x * s.x + s.y * s.y + s.z * s.z).squareRoot()) / 1000
        var events: [SafetyEvent] = []
        if let start = windowStartMs, s.timeMs - start >= settings.windowMs {
            let mean = windowSum / Double(windowCount)
            let std = max(0, windowSumSquares / Double(windowCount) - mean * mean).squareRoot()
            events = observe(moving: std >= settings.streamThresholdG, atMs: s.timeMs, location: location)
            windowStartMs = nil
        }
        if windowStartMs == nil {
            windowStartMs = s.timeMs
            windowCount = 0
            windowSum = 0
            windowSumSquares = 0
        }
        windowCount += 1
        windowSum += m
        windowSumSquares += m * m
        return events + check(atMs: s.timeMs, location: location)
    }

    /// The gas detector's motion summary: largest deviation of |a| from 1 g over the last second, in g.
    public mutating func ingestSummary(deviationG: Double, atMs t: Int64, location: Location? = nil) throws(SampleRejection) -> [SafetyEvent] {
        guard deviationG.isFinite, deviationG >= 0 else { throw .invalidValue("motion summary \(deviationG) g") }
        try summaryClock.accept(t)
        return observe(moving: deviationG >= settings.summaryThresholdG, atMs: t, location: location)
            + check(atMs: t, location: location)
    }

    /// Lets time pass without samples, so the alarm rises on schedule.
    /// Silence of the device itself is the liveness monitor's alarm.
    public mutating func advance(toMs t: Int64, location: Location? = nil) -> [SafetyEvent] {
        check(atMs: t, location: location)
    }

    public mutating func acknowledge(atMs t: Int64, location: Location? = nil) -> [SafetyEvent] {
        switch state {
        case .watching: return []
        case .preAlarm:
            state = .watching
            lastMotionMs = t
            return [event(.cleared, .info, t, ["acknowledged": 1], location)]
        case .alarm(let moved, _):
            if moved { return clear(t, ["acknowledged": 1], location) }
            state = .alarm(moved: false, acknowledged: true)
            return []
        }
    }

    /// A coordinator clears the alarm whatever the motion.
    public mutating func clear(atMs t: Int64, location: Location? = nil) -> [SafetyEvent] {
        guard state != .watching else { return [] }
        return clear(t, ["clearedByCoordinator": 1], location)
    }

    /// One second judged.
    private mutating func observe(moving: Bool, atMs t: Int64, location: Location?) -> [SafetyEvent] {
        if lastMotionMs == nil { lastMotionMs = t }
        guard moving else { return [] }
        lastMotionMs = max(lastMotionMs ?? t, t)
        switch state {
        case .watching: return []
        case .preAlarm:
            state = .watching
            return [event(.cleared, .info, t, ["motionResumed": 1], location)]
        case .alarm(_, let acknowledged):
            if acknowledged { return clear(t, ["motionResumed": 1], location) }
            state = .alarm(moved: true, acknowledged: false)
            return []
        }
    }

    private mutating func check(atMs t: Int64, location: Location?) -> [SafetyEvent] {
        guard let last = lastMotionMs else {
            lastMotionMs = t
            return []
        }
        let still = t - last
        switch state {
        case .watching where still >= settings.alarmMs:
            state = .alarm(moved: false, acknowledged: false)
            return [event(.alarm, .critical, t, ["stillMs": Double(still)], location)]
        case .watching where still >= settings.preAlarmMs:
            state = .preAlarm
            return [event(.preAlarm, .alarm, t, ["stillMs": Double(still)], location)]
        case .preAlarm where still >= settings.alarmMs:
            state = .alarm(moved: false, acknowledged: false)
            return [event(.alarm, .critical, t, ["stillMs": Double(still)], location)]
        default:
            return []
        }
    }

    private mutating func clear(_ t: Int64, _ values: [String: Double], _ location: Location?) -> [SafetyEvent] {
        state = .watching
        lastMotionMs = t
        return [event(.cleared, .info, t, values, location)]
    }

    private func event(
        _ phase: Phase, _ severity: Severity, _ t: Int64, _ values: [String: Double],
        _ location: Location?
    ) -> SafetyEvent {
        SafetyEvent(
            worker: worker, type: .immobility, phase: phase, severity: severity, timeMs: t,
            values: values, location: location)
    }
}
