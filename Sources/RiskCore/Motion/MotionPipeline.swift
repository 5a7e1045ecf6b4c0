/// The motion detectors of one worker fed from one accelerometer stream: what
/// the daemon runs per worker and what `canary-agent detect` replays. The
/// stream, at whatever rate its device samples (12.5–100 Hz), reaches the
/// detectors at 50 Hz (``Resampler``).
public struct MotionPipeline: Codable, Sendable, Equatable {
    public var fall: FallDetector
    public var immobility: ImmobilityDetector
    public private(set) var resampler: Resampler
    /// Samples are checked before they are resampled: a refused one must not be blended into its neighbours.
    private var clock = MonotonicClock()

    /// `rateHz`: the stream's rate, when it is known better than its timestamps say.
    public init(
        worker: String, fall: FallDetector.Settings = .init(), immobility: ImmobilityDetector.Settings = .init(), rateHz: Double? = nil
    ) {
        self.fall = FallDetector(worker: worker, settings: fall)
        self.immobility = ImmobilityDetector(worker: worker, settings: immobility)
        resampler = Resampler(rateHz: rateHz)
    }

    /// Both detectors see every (resampled) sample; a sample that is not plausible or not
    /// later than the last is refused before either sees it.
    public mutating func ingest(_ s: AccelSample, location: Location? = nil) throws(SampleRejection) -> [SafetyEvent] {
        guard s.isPlausible else { throw .invalidValue("acceleration \(s.x), \(s.y), \(s.z) mg") }
        try clock.accept(s.timeMs)
        // A 50 Hz stream, the common case, goes straight to the detectors.
        if resampler.isTransparent {
            return ((try? fall.ingest(s, location: location)) ?? []) + ((try? immobility.ingest(s, location: location)) ?? [])
        }
        var events: [SafetyEvent] = []
        // The resampler is moved out while it hands samples to the detectors (no copy of either's buffers).
        var r = Resampler()
        swap(&r, &resampler)
        r.push(s) { detect($0, location, into: &events) }
        swap(&r, &resampler)
        return events
    }

    /// End of a recording: what the resampler holds, then the impacts still waiting for their after-window.
    public mutating func finish(location: Location? = nil) -> [SafetyEvent] {
        var events: [SafetyEvent] = []
        var r = Resampler()
        swap(&r, &resampler)
        r.finish { detect($0, location, into: &events) }
        swap(&r, &resampler)
        return events + fall.flush(location: location)
    }

    /// Checked before resampling, and the resampler's output is in order: neither detector refuses a sample here.
    private mutating func detect(_ s: AccelSample, _ location: Location?, into events: inout [SafetyEvent]) {
        events += (try? fall.ingest(s, location: location)) ?? []
        events += (try? immobility.ingest(s, location: location)) ?? []
    }
}
