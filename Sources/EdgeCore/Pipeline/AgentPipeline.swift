import DeviceFormats
import RiskCore

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
        /// Samples a detector refused (out of order, NaN, …).
        public var rejectedSamples = 0
    }

    public private(set) var directory: SiteDirectory
    private var decoder: AdvertisementDecoder
    private var workers: [String: WorkerMonitor] = [:]
    public private(set) var counters = Counters()
    private var started = false

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
            case .gas(let status): events += w.gasStatus(status, device: device, atMs: frame.timeMs)
            case .position(let p): w.position(p, atMs: frame.timeMs)
            case nil: break
            }
            if let b = d.bthome { events += w.button(b, device: device, atMs: frame.timeMs) }
        case .notification(let characteristic, let value):
            switch characteristic {
            case CanaryProfile.motionCharacteristic:
                do {
                    let (e, rejected) = w.motionSamples(try CanaryProfile.MotionSamples.decode(value[...]), atMs: frame.timeMs)
                    events += e
                    counters.rejectedSamples += rejected
                } catch {
                    counters.rejected.count(error)
                }
            case CanaryProfile.gasCharacteristic:
                do {
                    events += w.gasStatus(try .decodeCharacteristic(value[...]), device: device, atMs: frame.timeMs)
                } catch {
                    counters.rejected.count(error)
                }
            case HeartRateMeasurement.uuid:
                // Heart rate feeds the overwork assessment (with the worker's health record); here it proves liveness.
                do {
                    _ = try HeartRateMeasurement.decode(value[...])
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
