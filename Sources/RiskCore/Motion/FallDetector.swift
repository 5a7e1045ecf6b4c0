/// Impact-based fall detection on the trunk accelerometer (docs/detection.md,
/// "Rules and their sources", and "Fall" for the model).
///
/// 1. A sample with |a| above `triggerG` opens a 0.5 s search for the impact
///    peak; peaks closer than 1 s to the previous one are not candidates.
/// 2. 2.5 s after the peak (to see posture and stillness afterwards) the
///    ``FallFeatures`` are scored by the ``FallModel``; a fall raises a
///    *pre-alarm* at once.
/// 3. The pre-alarm is cleared if the wearer cancels or gets up (trunk within
///    `recoveryTiltDeg` of upright for `recoveryMs`; upright as this wearer
///    showed it, ``UprightEstimator``, or, before they showed it, the
///    trunk's direction in the seconds before the impact: the profile's
///    upright may be far off on a device worn askew, and a worker lying
///    would read as standing); otherwise it becomes an *alarm* after
///    `preAlarmMs` (default 15 s), latched until acknowledged. While a fall is
///    pre-alarmed or alarmed the upright is not learned: lying still is not
///    standing.
///
/// Cost: O(1) per sample; the features of a candidate (at most one a second)
/// take a few thousand floating-point operations.
public struct FallDetector: Codable, Sendable, Equatable {
    public struct Settings: Codable, Sendable, Equatable {
        public var sampleRateHz: Double = 50
        public var triggerG: Double = 1.6
        public var preAlarmMs: Int64 = 15_000
        public var recoveryTiltDeg: Double = 40
        public var recoveryMs: Int64 = 2_000
        /// The gravity direction, in device axes, when the wearer stands upright, as the device's profile
        /// says; the wearer's own is learned in the first still seconds of wear (``UprightEstimator``).
        public var uprightX: Double = 0, uprightY: Double = -1, uprightZ: Double = 0
        /// A gap in the stream longer than this ends the windows around it.
        public var maxGapMs: Int64 = 500
        public var model: FallModel = .shipped

        public init() {}

        var upright: Vector3 { Vector3(x: uprightX, y: uprightY, z: uprightZ) }
        func samples(_ seconds: Double) -> Int { Int((seconds * sampleRateHz).rounded()) }
    }

    /// A scored impact, for offline training and for explaining an alarm.
    public struct Candidate: Codable, Sendable, Equatable {
        public var peakTimeMs: Int64
        public var features: FallFeatures
        public var score: Double
        public var isFall: Bool
    }

    private enum State: Codable, Sendable, Equatable {
        case watching
        case preAlarm(sinceMs: Int64)
        case alarm
    }

    public let worker: String
    public var settings: Settings
    private var ring: SampleRing
    private var times: [Int64]
    private var clock = MonotonicClock()
    private var state = State.watching
    private var searchStart: Int?
    private var searchBest = 0
    private var nextCandidateAt = 0
    private var pendingPeaks: [Int] = []
    private var uprightSinceMs: Int64?
    /// What getting up is measured against during a pre-alarm.
    private var recoveryUpright = Vector3()
    /// The wearer's upright: learned from standing still or walking, the profile's until then.
    private var upright: UprightEstimator
    /// Every impact scored so far, when `recordsCandidates` is set.
    public private(set) var candidates: [Candidate] = []
    public var recordsCandidates = false

    public init(worker: String, settings: Settings = Settings()) {
        self.worker = worker
        self.settings = settings
        upright = UprightEstimator(profile: settings.upright, rateHz: settings.sampleRateHz)
        let capacity = settings.samples(5) + 1
        ring = SampleRing(capacity: capacity)
        times = Array(repeating: 0, count: capacity)
    }

    public var isPreAlarm: Bool { if case .preAlarm = state { true } else { false } }
    public var isAlarm: Bool { state == .alarm }

    public mutating func ingest(_ s: AccelSample, location: Location? = nil) throws(SampleRejection) -> [SafetyEvent] {
        guard s.isPlausible else { throw .invalidValue("acceleration \(s.x), \(s.y), \(s.z) mg") }
        try clock.accept(s.timeMs)
        var events: [SafetyEvent] = []
        if ring.count > 0, s.timeMs - times[(ring.count - 1) % times.count] > settings.maxGapMs {
            events += flush(location: location)
        }
        let v = Vector3(x: s.x / 1000, y: s.y / 1000, z: s.z / 1000)
        let magnitude = v.norm
        let n = ring.count
        ring.push(v, magnitude: magnitude)
        times[n % times.count] = s.timeMs
        if state == .watching { upright.observe(v, magnitude: magnitude) }

        findPeaks(n: n, magnitude: magnitude)
        while let j = pendingPeaks.first, n >= j + settings.samples(2.5) {
            pendingPeaks.removeFirst()
            events += evaluate(peak: j, location: location)
        }
        events += followUp(n: n, atMs: s.timeMs, location: location)
        return events
    }

    /// Scores the impacts still waiting for their after-window with the
    /// samples there are: at the end of a recording, or before a gap.
    public mutating func flush(location: Location? = nil) -> [SafetyEvent] {
        if searchStart != nil {
            pendingPeaks.append(searchBest)
            searchStart = nil
        }
        var events: [SafetyEvent] = []
        for j in pendingPeaks { events += evaluate(peak: j, location: location) }
        pendingPeaks.removeAll()
        ring.removeAll()
        nextCandidateAt = 0
        return events
    }

    /// The wearer pressed "I'm OK" during the pre-alarm.
    public mutating func cancel(atMs t: Int64, location: Location? = nil) -> [SafetyEvent] {
        guard isPreAlarm else { return [] }
        state = .watching
        return [event(.cleared, .info, t, ["cancelled": 1], location)]
    }

    /// A coordinator acknowledged the alarm (or the pre-alarm).
    public mutating func acknowledge(atMs t: Int64, location: Location? = nil) -> [SafetyEvent] {
        guard state != .watching else { return [] }
        state = .watching
        return [event(.cleared, .info, t, ["acknowledged": 1], location)]
    }

    private mutating func findPeaks(n: Int, magnitude: Double) {
        if let start = searchStart {
            if magnitude > ring.magnitude(searchBest) { searchBest = n }
            if n >= start + settings.samples(0.5) - 1 {
                pendingPeaks.append(searchBest)
                nextCandidateAt = searchBest + settings.samples(1)
                searchStart = nil
            }
        } else if magnitude > settings.triggerG, n >= nextCandidateAt {
            searchStart = n
            searchBest = n
        }
    }

    private mutating func evaluate(peak j: Int, location: Location?) -> [SafetyEvent] {
        guard j >= ring.oldest, j < ring.count else { return [] }
        let features = FallFeatures.extract(
            ring: ring, peak: j, rateHz: settings.sampleRateHz, upright: upright.upright, uprightKnown: upright.learned != nil)
        let score = settings.model.score(features)
        let isFall = score > settings.model.threshold
        if recordsCandidates {
            candidates.append(Candidate(peakTimeMs: times[j % times.count], features: features, score: score, isFall: isFall))
        }
        guard isFall, state == .watching else { return [] }
        let now = times[(ring.count - 1) % times.count]
        state = .preAlarm(sinceMs: now)
        uprightSinceMs = nil
        recoveryUpright = upright.learned ?? FallFeatures.postureBefore(ring: ring, peak: j, rateHz: settings.sampleRateHz)
        var values = features.values
        values["score"] = score
        values["impactTimeMs"] = Double(times[j % times.count])
        return [event(.preAlarm, .alarm, now, values, location)]
    }

    private mutating func followUp(n: Int, atMs t: Int64, location: Location?) -> [SafetyEvent] {
        guard case .preAlarm(let since) = state else { return [] }
        let window = ring.clamp(n + 1 - settings.samples(0.5), n + 1)
        if ring.meanVector(window).degrees(to: recoveryUpright) <= settings.recoveryTiltDeg {
            let from = uprightSinceMs ?? t
            uprightSinceMs = from
            if t - from >= settings.recoveryMs {
                state = .watching
                return [event(.cleared, .info, t, ["recovered": 1], location)]
            }
        } else {
            uprightSinceMs = nil
        }
        guard t - since >= settings.preAlarmMs else { return [] }
        state = .alarm
        return [event(.alarm, .critical, t, ["preAlarmMs": Double(settings.preAlarmMs)], location)]
    }

    private func event(
        _ phase: Phase, _ severity: Severity, _ t: Int64, _ values: [String: Double],
        _ location: Location?
    ) -> SafetyEvent {
        SafetyEvent(
            worker: worker, type: .fall, phase: phase, severity: severity, timeMs: t,
            values: values, location: location)
    }
}
