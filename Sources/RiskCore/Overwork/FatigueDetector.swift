/// Severe fatigue judged from the heart wearable alone, as the agent sees it:
/// beat-to-beat (RR) intervals as they arrive, no health record.
///
/// The beats are cut into 5-minute windows, the standard length of a
/// short-term HRV recording (Task Force of the ESC/NASPE 1996, Circulation
/// 93:1043, whose norms ``Physiology``'s RMSSD steps come from). A worker at
/// work is rarely at rest, and exertion alone raises the heart rate and lowers
/// RMSSD: in the Polar recording in shared/data/hrv, cycling shows 102–106 bpm
/// and RMSSD 8–12 ms, which would score as severe fatigue. So the resting
/// values are those of the worker's *calmest* window (lowest mean heart rate)
/// of the last hour: the alarm says that even at their calmest the worker's
/// heart is fast and its variability low. It is judged once a window closes,
/// so the first judgement comes 5 minutes after the wearable is first heard,
/// and a worker who rested at some point goes an hour without a calm window
/// before the alarm. Last night's sleep, from the wearable's sleep summary, is
/// the third factor while it ended less than a day ago; without it both heart
/// factors must be at their worst.
public struct FatigueDetector: Codable, Sendable, Equatable {
    public static let windowMs: Int64 = 5 * 60_000
    public static let lookBackMs: Int64 = 60 * 60_000
    /// A sleep that ended longer ago than this is not last night's.
    public static let sleepValidMs: Int64 = 24 * 60 * 60_000

    struct Sleep: Codable, Sendable, Equatable {
        var hours: Double
        var endedMs: Int64
    }

    /// One closed window's heart rate and RMSSD.
    struct Window: Codable, Sendable, Equatable {
        var endMs: Int64
        var meanHeartRate: Double
        var rmssd: Double
    }

    /// What the last judgement saw: the calmest window of the last hour and last night's sleep.
    public struct Judgement: Codable, Sendable, Equatable {
        public var timeMs: Int64
        public var restingHeartRate: Double
        public var rmssd: Double
        public var sleepHours: Double?
    }

    public var worker: String { alarm.worker }
    public var isActive: Bool { alarm.isActive }
    public private(set) var judgement: Judgement?
    private var alarm: FatigueMonitor
    private var lastMs: Int64?
    private var openSinceMs: Int64?
    private var openBeats: [Double] = []
    private var windows: [Window] = []
    private var lastSleep: Sleep?

    public init(worker: String) { alarm = FatigueMonitor(worker: worker) }

    /// The RR intervals (ms) one heart-rate notification carried at `t`. Artefacts are
    /// left to ``HeartRateVariability``, which rejects them beat by beat. The beats are a
    /// sequence of their own; `t` only places the window's end, so a notification stamped
    /// no later than the last (two in one connection event) still adds its beats.
    public mutating func ingest(rrIntervalsMs: [Double], atMs time: Int64, location: Location? = nil) -> [SafetyEvent] {
        let t = max(time, lastMs ?? time)
        lastMs = t
        var events: [SafetyEvent] = []
        if let since = openSinceMs, t - since >= Self.windowMs {
            events = close(atMs: t, location: location)
        }
        if openSinceMs == nil { openSinceMs = t }
        openBeats += rrIntervalsMs
        return events
    }

    /// Last night's sleep as the wearable summarised it; it counts from the next judgement.
    public mutating func sleep(hoursAsleep: Double, endedMs: Int64) {
        guard hoursAsleep.isFinite, hoursAsleep >= 0 else { return }
        lastSleep = Sleep(hours: hoursAsleep, endedMs: endedMs)
    }

    /// Ends the open window: its HRV (nil with fewer than 30 clean beats: the window
    /// is dropped), then the judgement on the calmest window of the last hour.
    private mutating func close(atMs t: Int64, location: Location?) -> [SafetyEvent] {
        defer {
            openBeats.removeAll(keepingCapacity: true)
            openSinceMs = nil
        }
        if let hrv = HeartRateVariability(rrIntervalsMs: openBeats) {
            // After a silence, the window ended when its 5 minutes did, not when the next beat came.
            let end = min(t, (openSinceMs ?? t) + Self.windowMs)
            windows.append(Window(endMs: end, meanHeartRate: hrv.meanHeartRate, rmssd: hrv.rmssd))
        }
        windows.removeAll { t - $0.endMs >= Self.lookBackMs }
        guard let calmest = windows.min(by: { $0.meanHeartRate < $1.meanHeartRate }) else { return [] }
        let sleepHours = lastSleep.flatMap { t - $0.endedMs < Self.sleepValidMs ? $0.hours : nil }
        judgement = Judgement(timeMs: t, restingHeartRate: calmest.meanHeartRate, rmssd: calmest.rmssd, sleepHours: sleepHours)
        let physiology = Physiology(restingHeartRate: calmest.meanHeartRate, sleepHours: sleepHours, rmssd: calmest.rmssd)
        var values = physiology.points
        values["sleep_h"] = sleepHours
        values["resting_heart_rate_bpm"] = calmest.meanHeartRate
        values["rmssd_ms"] = calmest.rmssd
        return alarm.update(severeFatigue: physiology.severeFatigue, values: values, atMs: t, location: location)
    }
}
