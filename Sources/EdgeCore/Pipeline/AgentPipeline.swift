import DeviceFormats
import RiskCore
import Wire

/// The agent's detection path: BLE frames → decoders → the worker the device
/// is bound to → RiskCore detectors → events. No I/O and no clock: frames
/// carry their time and ``tick(atMs:)`` lets time pass, so a replay gives the
/// same events every time.
public struct AgentPipeline: Sendable {
    public struct Counters: Sendable, Equatable {
        /// Frames from devices not bound to any worker (neighbours' phones, beacons).
        public var unknownDevice = 0
        /// Payloads a decoder rejected, by kind.
        public var rejected = RejectionCounter()
        /// Samples or readings a detector refused (NaN, a value no sensor gives, a reading older than the last).
        public var rejectedSamples = 0
        /// Accelerometer samples refused because their time was not after the last one taken: the
        /// timing of a stream by its index went wrong (a reconnect, a device's counter), not the device.
        public var outOfOrderSamples = 0
        /// Accelerometer notifications timed otherwise than their index says: a stream's first, one after
        /// more than a second of samples missed or a device that counts anew (a reconnect), or one
        /// delivered more than 10 s late. Each may leave a gap in the motion the fall detector sees.
        public var motionStreamRestarts = 0
        /// Gas statuses that came in no newer than one already taken for the worker (the same
        /// detector heard over advertisements and GATT): measurements skipped, SOS flag taken.
        public var lateGasStatuses = 0
    }

    public private(set) var directory: SiteDirectory
    private var decoder: AdvertisementDecoder
    private var workers: [String: WorkerMonitor] = [:]
    public private(set) var counters = Counters()
    private var started = false
    /// Readings for telemetry since the last ``takeReadings()``: what the
    /// devices reported, whether or not it raised anything.
    private var readings: [TelemetryBatch.Reading] = []
    var pendingReadings: Int { readings.count }

    public init(directory: SiteDirectory) {
        self.directory = directory
        decoder = AdvertisementDecoder(keyring: directory.keyring)
    }

    public mutating func ingest(_ frame: BLEFrame) -> [SafetyEvent] {
        if !started { startWatching(atMs: frame.timeMs) }
        guard let binding = directory.bindings[frame.address] else {
            counters.unknownDevice += 1
            return []
        }
        let device = BDAddress.string(frame.address)
        var w = workers[binding.worker] ?? WorkerMonitor(worker: binding.worker)
        defer { workers[binding.worker] = w }
        var events = w.heard(device, role: binding.role, atMs: frame.timeMs)
        switch frame.payload {
        case .advertisement(let data):
            let d = decoder.decode(address: frame.address, data: data[...])
            if let error = d.error { counters.rejected.count(error) }
            switch d.canary {
            case .gas(let status):
                events += w.gasStatus(
                    status, device: device, atMs: frame.timeMs, rejected: &counters.rejectedSamples,
                    late: &counters.lateGasStatuses)
                record(binding.worker, device, "gas", frame.timeMs, Self.values(status))
            case .position(let p):
                w.position(p, atMs: frame.timeMs)
                record(
                    binding.worker, device, "position", frame.timeMs,
                    ["x": p.x, "y": p.y, "floor": Double(p.floor), "accuracy": p.accuracy, "battery": Double(p.battery)])
            case nil: break
            }
            if let b = d.bthome {
                events += w.button(b, device: device, atMs: frame.timeMs, rejected: &counters.rejectedSamples)
                if let battery = b.battery { record(binding.worker, device, "battery", frame.timeMs, ["battery": battery]) }
            }
        case .notification(let characteristic, let value):
            switch characteristic {
            case CanaryProfile.motionCharacteristic:
                do {
                    let intake = w.motionSamples(try CanaryProfile.MotionSamples.decode(value[...]), atMs: frame.timeMs)
                    events += intake.events
                    counters.rejectedSamples += intake.rejected
                    counters.outOfOrderSamples += intake.outOfOrder
                    if intake.restarted { counters.motionStreamRestarts += 1 }
                } catch {
                    counters.rejected.count(error)
                }
            case CanaryProfile.gasCharacteristic:
                do {
                    let status = try CanaryProfile.GasStatus.decodeCharacteristic(value[...])
                    events += w.gasStatus(
                        status, device: device, atMs: frame.timeMs, rejected: &counters.rejectedSamples,
                        late: &counters.lateGasStatuses)
                    record(binding.worker, device, "gas", frame.timeMs, Self.values(status))
                } catch {
                    counters.rejected.count(error)
                }
            case HeartRateMeasurement.uuid:
                // Beat-to-beat intervals judge severe fatigue; heart rate goes out as telemetry, and so does
                // the overwork score of a worker with a health record, each time the heart is judged.
                do {
                    let hr = try HeartRateMeasurement.decode(value[...])
                    let (e, judged) = w.heartBeats(hr.rrIntervalsMs, atMs: frame.timeMs)
                    events += e
                    if let judged, let health = directory.health[binding.worker] {
                        record(binding.worker, device, "overwork", frame.timeMs, Self.values(health.assessment(judged)))
                    }
                    var values = ["bpm": Double(hr.heartRate), "rr_count": Double(hr.rrIntervalsMs.count)]
                    if !hr.rrIntervalsMs.isEmpty { values["rr_mean_ms"] = hr.rrIntervalsMs.reduce(0, +) / Double(hr.rrIntervalsMs.count) }
                    record(binding.worker, device, "heart-rate", frame.timeMs, values)
                } catch {
                    counters.rejected.count(error)
                }
            case CanaryProfile.sleepCharacteristic:
                do {
                    let sleep = try CanaryProfile.SleepSummary.decode(value[...])
                    w.sleep(sleep)
                    record(
                        binding.worker, device, "sleep", frame.timeMs,
                        [
                            "hours_asleep": sleep.hoursAsleep, "efficiency": Double(sleep.efficiencyPercent),
                            "start_s": Double(sleep.start), "end_s": Double(sleep.end),
                        ])
                } catch {
                    counters.rejected.count(error)
                }
            default:
                break
            }
        }
        return events
    }

    /// Lets time pass without frames: stale sensors, silent devices, immobility.
    public mutating func tick(atMs t: Int64) -> [SafetyEvent] {
        if !started { startWatching(atMs: t) }
        var events: [SafetyEvent] = []
        for name in workers.keys.sorted() { events += workers[name]!.tick(atMs: t) }
        return events
    }

    /// The readings gathered since the last call, oldest first.
    public mutating func takeReadings() -> [TelemetryBatch.Reading] {
        defer { readings.removeAll(keepingCapacity: true) }
        return readings
    }

    /// Levels as numbers (0 low, 1 moderate/medium, 2 high), points by factor.
    static func values(_ a: OverworkAssessment) -> [String: Double] {
        let level: [OverworkAssessment.Level: Double] = [.low: 0, .moderate: 1, .high: 2]
        let band: [Framingham.Band: Double] = [.low: 0, .moderate: 1, .high: 2]
        return a.contributions.merging([
            "score": a.score, "level": level[a.level]!, "cvd_risk_percent": a.cardiovascular.riskPercent,
            "cvd_band": band[a.cardiovascular.band]!, "workload": Double(a.workloadLevel.rawValue),
        ]) { x, _ in x }
    }

    private mutating func record(_ worker: String, _ device: String, _ kind: String, _ t: Int64, _ values: [String: Double]) {
        readings.append(
            TelemetryBatch.Reading(
                worker: worker, device: device, kind: kind, time_ms: t,
                values: values.filter { $0.value.isFinite }))
    }

    /// A gas detector's frame as telemetry: the fitted sensors, battery and motion summary.
    private static func values(_ s: CanaryProfile.GasStatus) -> [String: Double] {
        var v: [String: Double] = ["battery": Double(s.battery), "motion_g": s.motionG]
        v["o2"] = s.o2
        v["co"] = s.co
        v["h2s"] = s.h2s
        v["lel"] = s.lel
        return v
    }

    public func location(of worker: String) -> Location? { workers[worker]?.location }

    /// Every bound device is expected from the first moment the agent runs:
    /// one never heard at all is as silent as one that stopped.
    private mutating func startWatching(atMs t: Int64) {
        started = true
        for (address, binding) in directory.bindings {
            var w = workers[binding.worker] ?? WorkerMonitor(worker: binding.worker)
            w.expect(BDAddress.string(address), role: binding.role, fromMs: t)
            workers[binding.worker] = w
        }
    }
}
