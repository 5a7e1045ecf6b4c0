/// The motion detectors of one worker fed from one accelerometer stream: what
/// the daemon runs per worker and what `canary-agent detect` replays.
public struct MotionPipeline: Codable, Sendable, Equatable {
    public var fall: FallDetector
    public var immobility: ImmobilityDetector

    public init(worker: String, fall: FallDetector.Settings = .init(), immobility: ImmobilityDetector.Settings = .init()) {
        self.fall = FallDetector(worker: worker, settings: fall)
        self.immobility = ImmobilityDetector(worker: worker, settings: immobility)
    }

    /// Both detectors see every sample; a sample one of them rejects is rejected by both.
    public mutating func ingest(_ s: AccelSample, location: Location? = nil) throws(SampleRejection) -> [SafetyEvent] {
        let falls = try fall.ingest(s, location: location)
        return falls + (try immobility.ingest(s, location: location))
    }

    /// End of a recording: scores the impacts still waiting for their after-window.
    public mutating func finish(location: Location? = nil) -> [SafetyEvent] {
        fall.flush(location: location)
    }
}
