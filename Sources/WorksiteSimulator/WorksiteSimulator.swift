import DeviceFormats
import Foundation

/// Plays a ``Scenario``: produces, in time order, the exact bytes each
/// worker's devices would send — Canary gas and position advertisements,
/// BTHome button advertisements, accelerometer and heart-rate notifications —
/// deterministically from the scenario's seed. Time is virtual: the caller
/// asks for the frames up to a time; a real-time driver paces the same calls.
///
/// Rates: gas detector and locator advertise every second; the accelerometer
/// streams at 50 Hz, three samples per notification (the default ATT MTU);
/// the heart wearable notifies once a second with that second's RR intervals,
/// and its sleep summary (if the worker has `sleep_h`) comes with its first
/// frame, as the agent reads it on connecting;
/// a BTHome button advertises its battery every 10 s and each press three
/// times with one packet id.
public struct WorksiteSimulator: Sendable {
    public let scenario: Scenario
    public let startMs: Int64
    public let endMs: Int64
    public var canaryCompany: UInt16 = CanaryProfile.defaultCompany
    private var workers: [WorkerState]
    private var tick = 0
    fileprivate static let tickMs: Int64 = 20

    public init(_ scenario: Scenario) {
        self.scenario = scenario
        startMs = Int64(scenario.start * 1000)
        endMs = startMs + Int64(scenario.duration * 1000)
        workers = scenario.workers.enumerated().map { k, w in
            WorkerState(
                worker: w, index: k, incidents: scenario.incidents.filter { $0.worker == w.id },
                rng: SplitMix64(seed: scenario.seed &+ UInt64(k) &* 0x1000_0001))
        }
    }

    /// Every frame sent before `timeMs` (and before the end), in time order.
    public mutating func advance(untilMs timeMs: Int64) -> [BLEFrame] {
        var frames: [BLEFrame] = []
        while true {
            let t = startMs + Int64(tick) * Self.tickMs
            guard t < timeMs, t < endMs else { break }
            for k in workers.indices { workers[k].step(tick: tick, timeMs: t, company: canaryCompany, into: &frames) }
            tick += 1
        }
        return frames.sorted { $0.timeMs < $1.timeMs }
    }

    /// The whole scenario at once (tests, `canary-agent simulate`).
    public mutating func all() -> [BLEFrame] { advance(untilMs: endMs) }

    /// The heart wearable's summary of the night before a shift starting at `shiftStartMs`:
    /// asleep `hours`, half an hour more in bed, up an hour before the shift.
    public static func sleepSummary(hours: Double, shiftStartMs: Int64) -> CanaryProfile.SleepSummary {
        let minutes = Int((hours * 60).rounded())
        let end = UInt32(clamping: shiftStartMs / 1_000 - 3_600), start = end - UInt32(minutes * 60 + 1_800)
        return CanaryProfile.SleepSummary(
            start: start, end: end, minutesAsleep: minutes,
            efficiencyPercent: Int(100 * Double(minutes) / Double(minutes + 30)))
    }
}

/// One worker's devices and body, advanced 20 ms at a time.
struct WorkerState: Sendable {
    let worker: Scenario.Worker
    let index: Int
    let incidents: [Scenario.Incident]
    var rng: SplitMix64
    var gasSequence: UInt8 = 0
    var positionSequence: UInt8 = 0
    var packetID: UInt8 = 0
    var buttonCounter: UInt32 = 0
    var motionIndex: UInt16 = 0
    var pendingSamples: [(x: Int16, y: Int16, z: Int16)] = []
    var motionMaxDeviation = 0.0
    var nextBeatS: Double?
    var beats: [Double] = []
    var previousRR = 833.0
    var sleepSent = false

    init(worker: Scenario.Worker, index: Int, incidents: [Scenario.Incident], rng: SplitMix64) {
        self.worker = worker
        self.index = index
        self.incidents = incidents
        self.rng = rng
    }

    private func incidents(_ kind: Scenario.IncidentKind, before s: Double) -> [Scenario.Incident] {
        incidents.filter { $0.kind == kind && $0.at <= s }
    }

    private func silent(_ s: Double) -> Bool {
        !incidents(.deviceSilent, before: s).isEmpty
            || incidents(.batteryDying, before: s).contains { s >= $0.at + ($0.duration ?? 60) }
    }

    mutating func step(tick: Int, timeMs: Int64, company: UInt16, into frames: inout [BLEFrame]) {
        let s = Double(tick) * 0.02
        guard !silent(s) else { return }
        let stagger = (index * 7) % 50  // workers do not all advertise in the same 20 ms
        if worker.gasDetector != nil { motion(s: s, timeMs: timeMs, into: &frames) }
        if tick % 50 == stagger {
            if let a = worker.gasDetector.flatMap(BDAddress.parse) { frames.append(gasFrame(s, timeMs, a, company)) }
            if let a = worker.locator.flatMap(BDAddress.parse) { frames.append(positionFrame(timeMs, a, company)) }
            if let a = worker.heart.flatMap(BDAddress.parse) {
                if !sleepSent, let hours = worker.sleepHours {
                    let summary = WorksiteSimulator.sleepSummary(hours: hours, shiftStartMs: timeMs - Int64(tick) * WorksiteSimulator.tickMs)
                    frames.append(
                        BLEFrame(
                            timeMs: timeMs, address: a,
                            payload:
                                .notification(characteristic: CanaryProfile.sleepCharacteristic, value: summary.encode())))
                }
                sleepSent = true
                frames.append(heartFrame(s, timeMs, a))
            }
        }
        if let a = worker.button.flatMap(BDAddress.parse) { button(s: s, tick: tick, stagger: stagger, timeMs: timeMs, address: a, into: &frames) }
    }

    // MARK: gas detector

    private func gas(_ name: Scenario.GasName, _ s: Double, base: Double) -> Double {
        var v = base
        for leak in incidents(.gasLeak, before: s) where leak.gas == name {
            let rise = leak.rise ?? 20, hold = leak.hold ?? 30, t = s - leak.at
            let envelope = t < rise ? t / rise : t < rise + hold ? 1 : max(0, 1 - (t - rise - hold) / rise)
            v += ((leak.peak ?? base) - base) * envelope
        }
        return v
    }

    private func battery(_ s: Double) -> Int {
        guard let dying = incidents(.batteryDying, before: s).first else { return 80 }
        let fraction = (s - dying.at) / (dying.duration ?? 60)
        return max(0, Int((20 * (1 - fraction)).rounded()))
    }

    private mutating func gasFrame(_ s: Double, _ t: Int64, _ address: [UInt8], _ company: UInt16) -> BLEFrame {
        gasSequence &+= 1
        var flags: CanaryProfile.GasStatus.Flags = []
        if incidents(.sos, before: s).contains(where: { s < $0.at + 3 }) { flags.insert(.sos) }
        if incidents(.sensorFault, before: s).contains(where: { s < $0.at + ($0.duration ?? 30) }) { flags.insert(.sensorFault) }
        let status = CanaryProfile.GasStatus(
            sequence: gasSequence,
            o2: max(0, gas(.O2, s, base: 20.9) + rng.noise(0.02)),
            co: max(0, gas(.CO, s, base: 0) + abs(rng.noise(0.3))),
            h2s: max(0, gas(.H2S, s, base: 0) + abs(rng.noise(0.05))),
            lel: max(0, gas(.LEL, s, base: 0) + abs(rng.noise(0.1))),
            battery: battery(s), flags: flags, motionG: motionMaxDeviation)
        motionMaxDeviation = 0
        let data = AdvertisingDataBuilder.flags + AdvertisingDataBuilder.manufacturer(company, status.encodeAdvertisement())
        return BLEFrame(timeMs: t, address: address, rssi: rssi(), payload: .advertisement(data))
    }

    // MARK: locator

    private mutating func positionFrame(_ t: Int64, _ address: [UInt8], _ company: UInt16) -> BLEFrame {
        positionSequence &+= 1
        let p = worker.position ?? Scenario.Position(x: 0, y: 0)
        let position = CanaryProfile.Position(
            sequence: positionSequence, x: p.x + rng.noise(0.3), y: p.y + rng.noise(0.3),
            floor: p.floor, accuracy: 1.0, battery: 90)
        let data = AdvertisingDataBuilder.flags + AdvertisingDataBuilder.manufacturer(company, position.encodeAdvertisement())
        return BLEFrame(timeMs: t, address: address, rssi: rssi(), payload: .advertisement(data))
    }

    // MARK: heart wearable

    private mutating func heartFrame(_ s: Double, _ t: Int64, _ address: [UInt8]) -> BLEFrame {
        let fatigued = !incidents(.fatigue, before: s).isEmpty
        let (meanRR, jitter) = fatigued ? (625.0, 6.0) : (833.0, 28.0)  // 96 bpm and RMSSD ≈ 8 ms vs 72 bpm, ≈ 40 ms
        var rr: [Double] = []
        var beat = nextBeatS ?? s
        while beat < s + 1 {
            let next = meanRR + rng.noise(jitter)
            rr.append(next)
            previousRR = next
            beat += next / 1000
        }
        nextBeatS = beat
        let hr = Int((60_000 / meanRR).rounded())
        return BLEFrame(
            timeMs: t, address: address, rssi: rssi(),
            payload: .notification(
                characteristic: HeartRateMeasurement.uuid,
                value: HeartRateMeasurement.encode(heartRate: hr, rrIntervalsMs: rr)))
    }

    // MARK: BTHome button

    private mutating func button(s: Double, tick: Int, stagger: Int, timeMs: Int64, address: [UInt8], into frames: inout [BLEFrame]) {
        let press = incidents(.sos, before: s).first { s - $0.at < 0.3 }
        // A press is advertised three times, 100 ms apart, with one packet id;
        // tick 0 is the first tick at or after the press.
        let repeatTick = press.map { Int(((s - $0.at) / 0.02).rounded(.down)) }
        let isPressAdvert = repeatTick.map { $0 % 5 == 0 && $0 < 15 } ?? false
        guard isPressAdvert || tick % 500 == stagger else { return }
        if isPressAdvert, repeatTick == 0 { packetID &+= 1 }
        if !isPressAdvert { packetID &+= 1 }
        var objects: [(id: UInt8, raw: Int64)] = [(0x00, Int64(packetID)), (0x01, 95)]
        if isPressAdvert { objects.append((0x3A, 0x01)) }
        let serviceData: [UInt8]
        if let key = worker.buttonKey.flatMap(Hex.decode) {
            buttonCounter &+= 1
            serviceData = BTHomeKeyring.encrypt(
                objects: objects, key: key, address: address, counter: buttonCounter,
                triggerBased: isPressAdvert)
        } else {
            serviceData = BTHomePacket.encode(objects, triggerBased: isPressAdvert)
        }
        let data = AdvertisingDataBuilder.flags + AdvertisingDataBuilder.serviceData16(BTHomePacket.uuid, serviceData)
        frames.append(BLEFrame(timeMs: timeMs, address: address, rssi: rssi(), payload: .advertisement(data)))
    }

    // MARK: accelerometer

    /// One 50 Hz sample of the trunk accelerometer, in mg.
    private mutating func motion(s: Double, timeMs: Int64, into frames: inout [BLEFrame]) {
        var (x, y, z) = body(s)
        x += rng.noise(4)
        y += rng.noise(4)
        z += rng.noise(4)
        let magnitude = (x * x + y * y + z * z).squareRoot() / 1000
        motionMaxDeviation = max(motionMaxDeviation, abs(magnitude - 1))
        pendingSamples.append((Int16(clamping: Int(x.rounded())), Int16(clamping: Int(y.rounded())), Int16(clamping: Int(z.rounded()))))
        guard pendingSamples.count == 3, let address = worker.gasDetector.flatMap(BDAddress.parse) else { return }
        let value = CanaryProfile.MotionSamples(firstIndex: motionIndex, rateHz: 50, samples: pendingSamples).encode()
        motionIndex &+= 3
        pendingSamples.removeAll(keepingCapacity: true)
        frames.append(
            BLEFrame(
                timeMs: timeMs, address: address, rssi: rssi(),
                payload: .notification(characteristic: CanaryProfile.motionCharacteristic, value: value)))
    }

    /// The body's acceleration without sensor noise: walking about, or a fall
    /// (0.4 s of falling and turning, an impact of about 4 g, then lying on
    /// the side), or lying down still.
    private func body(_ s: Double) -> (Double, Double, Double) {
        let lying = (980.0, -60.0, 150.0)
        if let fall = incidents(.fall, before: s + 0.4).last {
            let t = s - fall.at
            if t >= 0.1 { return t < 0.3 ? (lying.0 * 1.5, lying.1 + 400, lying.2 * 2) : lying }
            if t >= 0 { return (2_800, -1_600, 1_400) }  // the impact
            let turn = (t + 0.4) / 0.4  // 0 → 1 while falling
            let g = 300.0  // near free fall
            return (g * sin(turn * .pi / 2), -g * cos(turn * .pi / 2), 40)
        }
        if let still = incidents(.immobile, before: s).last {
            let turn = min(1, (s - still.at) / 1.5)
            return (lying.0 * turn, -1_000 * (1 - turn) + lying.1 * turn, lying.2 * turn)
        }
        let phase = 2 * Double.pi * 1.8 * s
        return (100 * sin(phase / 2), -1_000 + 250 * sin(phase), 80 * cos(phase))
    }

    private mutating func rssi() -> Int8 { Int8(-55 - Int(abs(rng.noise(6)))) }
}
