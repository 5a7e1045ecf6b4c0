import DeviceFormats
import RiskCore

/// Every detector of one worker, fed with that worker's decoded frames.
/// Codable, so that it can be saved and restored; the agent keeps it in memory only.
public struct WorkerMonitor: Codable, Sendable {
    public let worker: String
    private var gas: [GasKind: GasMonitor] = [:]
    private var motion: MotionPipeline
    private var sos: SOSDetector
    private var fatigue: FatigueDetector
    private var devices: [String: DeviceMonitor] = [:]
    /// When the accelerometer stream last delivered: while it streams, the
    /// gas detector's 1 Hz motion summary is not needed for immobility.
    private var lastStreamMs: Int64?
    /// When any motion input (stream or summary) last arrived.
    private var lastMotionInputMs: Int64?
    /// The index and time of the last accelerometer sample taken in.
    private var lastSample: SampleMark?
    /// When the last gas status (advertised or notified) was taken in.
    private var lastGasStatusMs: Int64?
    private struct SampleMark: Codable, Sendable {
        var index: UInt16
        var timeMs: Int64
    }
    public private(set) var location: Location?

    /// A summary older than this means the stream is gone and the summary counts.
    static let streamFreshMs: Int64 = 2_000

    public init(worker: String) {
        self.worker = worker
        motion = MotionPipeline(worker: worker)
        sos = SOSDetector(worker: worker)
        fatigue = FatigueDetector(worker: worker)
    }

    /// The device was heard: liveness, then its content.
    mutating func heard(_ device: String, role: SiteDirectory.Role, atMs t: Int64) -> [SafetyEvent] {
        var monitor = devices[device] ?? DeviceMonitor(worker: worker, device: device, expectedIntervalMs: role.expectedIntervalMs)
        let events = monitor.heard(atMs: t, location: location)
        devices[device] = monitor
        return events
    }

    /// `rejected` counts what a detector refused (a reading older than the last, a value no sensor gives).
    mutating func battery(_ device: String, percent: Int, atMs t: Int64, rejected: inout Int) -> [SafetyEvent] {
        do {
            return try devices[device]?.battery(percent: Double(percent), atMs: t, location: location) ?? []
        } catch {
            rejected += 1
            return []
        }
    }

    /// A detector reports its status both in advertisements and, while connected, as GATT
    /// notifications. The two arrive on different paths and are stamped on arrival, so a
    /// status can come in a few milliseconds "older" than the last one taken. Its SOS flag
    /// still counts; its measurements are skipped (the newer ones are already in) and
    /// counted as `late`, not as refusals: they say nothing is wrong.
    mutating func gasStatus(
        _ s: CanaryProfile.GasStatus, device: String, atMs t: Int64,
        rejected: inout Int, late: inout Int
    ) -> [SafetyEvent] {
        var events = sos.flag(device: device, isSet: s.flags.contains(.sos), atMs: t, location: location)
        if let last = lastGasStatusMs, t <= last {
            late += 1
            return events
        }
        lastGasStatusMs = t
        let readings: [(GasKind, Double?)] = [(.o2, s.o2), (.co, s.co), (.h2s, s.h2s), (.lel, s.lel)]
        for (kind, value) in readings {
            guard let value else { continue }  // not fitted
            var monitor = gas[kind] ?? GasMonitor(worker: worker, gas: kind)
            // The profile's fault and over-range flags are per device: every fitted gas carries them.
            let reading = GasReading(
                gas: kind, timeMs: t, value: value, overRange: s.flags.contains(.overRange),
                sensorFault: s.flags.contains(.sensorFault))
            do {
                events += try monitor.ingest(reading, location: location)
            } catch {
                rejected += 1
            }
            gas[kind] = monitor
        }
        if lastStreamMs.map({ t - $0 > Self.streamFreshMs }) ?? true {
            do {
                events += try motion.immobility.ingestSummary(deviationG: s.motionG, atMs: t, location: location)
            } catch {
                rejected += 1
            }
            lastMotionInputMs = t
        }
        return events + battery(device, percent: s.battery, atMs: t, rejected: &rejected)
    }

    /// What one notification of accelerometer samples did: its events, how many samples were
    /// refused and why, and whether it was timed otherwise than its index says (`restarted`).
    struct MotionIntake {
        var events: [SafetyEvent] = []
        /// Samples no sensor gives.
        var rejected = 0
        /// Samples timed at or before the last one taken, counted apart: a fault of this timing, not of the device.
        var outOfOrder = 0
        var restarted = false
    }

    /// How far behind its arrival a stream's index may time a notification and still be taken as
    /// continuing. The device counts its samples at its own rate, so the next index is the next
    /// sample whenever it arrives: a link that retransmits, or a gateway starved of CPU, delivers a
    /// second or more late and then catches up in a burst, and timing such a notification by its
    /// arrival would put a gap into the stream that was never there (a gap of more than half a
    /// second ends the fall detector's windows, right before an impact perhaps) and, the burst
    /// then continuing from there, run the stream's time ahead of the world's. Samples delayed
    /// longer than a silent device's offline time (10 s) are timed anew: by then the device has
    /// been reported silent, and its counter may have wrapped.
    static let streamLagMs: Int64 = motionSilentMs

    mutating func motionSamples(_ m: CanaryProfile.MotionSamples, atMs t: Int64) -> MotionIntake {
        lastStreamMs = t
        lastMotionInputMs = t
        var intake = MotionIntake()
        let step = 1_000 / Int64(m.rateHz)
        let span = Int64(max(m.samples.count - 1, 0)) * step
        // Samples are timed by their index: notifications arrive in bursts (several per connection
        // event), so arrival times say little. A stream that continues (the next index, up to a
        // second of samples missed, its last sample no more than a second after arrival and no more
        // than `streamLagMs` before) goes on from the last sample; otherwise (the first notification,
        // a longer gap, a reconnect whose device counts anew) the last sample is taken to be now, the
        // earlier ones one period apart, but never at or before the last sample taken: a stream timed
        // by its index may run up to a second ahead of arrival, and a reconnect's first samples timed
        // before its end would be refused as out of order, right when a fall matters most. Nothing is
        // assumed about a gap itself: the new stream starts one period after the old one ended, or
        // now, whichever is later.
        var firstMs = t - span
        var byIndex: Int64?
        if let last = lastSample {
            let advance = m.firstIndex &- last.index
            if advance >= 1, advance <= UInt16(m.rateHz) { byIndex = last.timeMs + Int64(advance) * step }
            if let next = byIndex, next + span - t <= 1_000, t - (next + span) <= Self.streamLagMs {
                firstMs = next
            } else {
                firstMs = max(firstMs, last.timeMs + step)
            }
        }
        intake.restarted = firstMs != byIndex
        if !m.samples.isEmpty {
            lastSample = SampleMark(
                index: m.firstIndex &+ UInt16(truncatingIfNeeded: m.samples.count - 1),
                timeMs: firstMs + Int64(m.samples.count - 1) * step)
        }
        for (k, s) in m.samples.enumerated() {
            let time = firstMs + Int64(k) * step
            do {
                intake.events += try motion.ingest(
                    AccelSample(timeMs: time, x: Double(s.x), y: Double(s.y), z: Double(s.z)),
                    location: location)
            } catch {
                switch error {
                case .outOfOrder, .duplicate: intake.outOfOrder += 1
                case .invalidValue: intake.rejected += 1
                }
            }
        }
        return intake
    }

    /// A heart-rate notification's beat-to-beat intervals: severe fatigue, and the
    /// judgement behind it when one was made (every 5 minutes).
    mutating func heartBeats(_ rrIntervalsMs: [Double], atMs t: Int64) -> (events: [SafetyEvent], judged: FatigueDetector.Judgement?) {
        let before = fatigue.judgement
        let events = fatigue.ingest(rrIntervalsMs: rrIntervalsMs, atMs: t, location: location)
        return (events, fatigue.judgement != before ? fatigue.judgement : nil)
    }

    /// The heart wearable's summary of last night's sleep.
    mutating func sleep(_ s: CanaryProfile.SleepSummary) {
        fatigue.sleep(hoursAsleep: s.hoursAsleep, endedMs: Int64(s.end) * 1_000)
    }

    mutating func position(_ p: CanaryProfile.Position, atMs t: Int64) {
        location = Location(source: .locator, x: p.x, y: p.y, floor: p.floor, accuracy: p.accuracy, timeMs: t)
    }

    mutating func button(_ b: BTHomePacket, device: String, atMs t: Int64, rejected: inout Int) -> [SafetyEvent] {
        var events: [SafetyEvent] = []
        if !b.buttonEvents.filter({ $0 != 0 }).isEmpty {
            events += sos.press(device: device, packetID: b.packetID, atMs: t, location: location)
        }
        if let battery = b.battery { events += self.battery(device, percent: Int(battery), atMs: t, rejected: &rejected) }
        return events
    }

    /// Time passes: stale gas sensors, silent devices, and immobility between
    /// samples. Once motion input itself has stopped for the offline time,
    /// immobility is not judged on nothing: the device-offline alarm says it.
    mutating func tick(atMs t: Int64) -> [SafetyEvent] {
        var events: [SafetyEvent] = []
        for key in gas.keys.sorted(by: { $0.rawValue < $1.rawValue }) { events += gas[key]!.advance(toMs: t, location: location) }
        for key in devices.keys.sorted() { events += devices[key]!.advance(toMs: t, location: location) }
        if let last = lastMotionInputMs, t - last <= Self.motionSilentMs {
            events += motion.immobility.advance(toMs: t, location: location)
        }
        return events
    }

    /// docs/detection.md: a device is offline after 3 × its interval and at least 10 s.
    static let motionSilentMs: Int64 = 10_000

    /// A device listed for this worker but not heard yet counts as silent from `t`.
    mutating func expect(_ device: String, role: SiteDirectory.Role, fromMs t: Int64) {
        var monitor = devices[device] ?? DeviceMonitor(worker: worker, device: device, expectedIntervalMs: role.expectedIntervalMs)
        monitor.expect(fromMs: t)
        devices[device] = monitor
    }
}
