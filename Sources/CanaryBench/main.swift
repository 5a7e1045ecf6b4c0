import DeviceFormats
import Foundation
import Recordings
import RiskCore

// Release-build benchmarks, one core (scripts/bench.sh):
//   CanaryBench detection [SISFALL_DIR]   RiskCore's per-sample cost
//   CanaryBench decoders [ROUNDS]         advertising reports decoded per second
//   CanaryBench scanner [ROUNDS]          HCI advertising report events → frames → readings per second
//
// Detection — motion: every SisFall recording (50 Hz accelerometer, falls and daily
// activities, so impact candidates occur at their real rate) through a
// MotionPipeline per recording. Gas: the four gases of a detector at 1 Hz,
// a reading every 50 accelerometer samples as on a worker, with a leak that
// trips alarms, STEL and hysteresis. Reported: ns per accelerometer sample
// for motion alone and for motion + gas, best and median of 5 runs.

/// A worker's gas readings at 1 Hz for `seconds`, with an H2S and CO leak in the middle.
func gasReadings(seconds: Int) -> [GasReading] {
    var out: [GasReading] = []
    for s in 0..<seconds {
        let t = Int64(s) * 1_000
        let leak = Double(max(0, 30 - abs(s - seconds / 2)))  // a 60-s bump peaking at 30
        out.append(GasReading(gas: .o2, timeMs: t, value: 20.9 - leak / 20))
        out.append(GasReading(gas: .co, timeMs: t, value: leak * 3))
        out.append(GasReading(gas: .h2s, timeMs: t, value: leak))
        out.append(GasReading(gas: .lel, timeMs: t, value: leak / 2))
    }
    return out
}

/// Runs the pipeline over every recording; returns the time and the number
/// of events (used, so the optimiser cannot drop the work).
func measure(_ recordings: [[AccelSample]], withGas: Bool) throws -> (Duration, Int) {
    var events = 0
    let elapsed = try ContinuousClock().measure {
        for samples in recordings {
            var motion = MotionPipeline(worker: "w")
            for s in samples { events &+= try motion.ingest(s).count }
            events &+= motion.finish().count
            guard withGas else { continue }
            var monitors = GasKind.allCases.map { GasMonitor(worker: "w", gas: $0) }
            for r in gasReadings(seconds: samples.count / 50) {
                let k = GasKind.allCases.firstIndex(of: r.gas)!
                events &+= try monitors[k].ingest(r).count
            }
        }
    }
    return (elapsed, events)
}

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

func reportPerSample(_ label: String, _ runs: [Duration], samples: Int) {
    let ns = runs.map { seconds($0) * 1e9 / Double(samples) }.sorted()
    print(String(format: "%@: best %.1f ns/sample, median %.1f ns/sample", label, ns[0], ns[ns.count / 2]))
}

func benchmarkDetection(folder: String) throws {
    let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.contains(".csv") }.sorted()
    var recordings: [[AccelSample]] = []
    for name in names {
        let reader = try LineReader(path: "\(folder)/\(name)")
        var samples: [AccelSample] = []
        var n = 0
        while let line = try reader.nextLine() {
            n += 1
            if let s = try MotionCSV.parse(line, lineNumber: n) { samples.append(s) }
        }
        recordings.append(samples)
    }
    let sampleCount = recordings.reduce(0) { $0 + $1.count }

    print("\(recordings.count) recordings, \(sampleCount) accelerometer samples (\(sampleCount / 50) s at 50 Hz)")
    let (_, events) = try measure(recordings, withGas: true)  // warm-up
    reportPerSample(
        "motion (fall + immobility)", try (0..<5).map { _ in try measure(recordings, withGas: false).0 },
        samples: sampleCount)
    reportPerSample(
        "motion + gas (4 gases at 1 Hz)", try (0..<5).map { _ in try measure(recordings, withGas: true).0 },
        samples: sampleCount)
    print("events per pass: \(events)")
    // The same recordings as a 20 Hz device would send them (every 50 ms, linearly interpolated: the
    // benchmark's concern is cost, not fidelity), resampled to 50 Hz on the way in (Resampler).
    let slow = recordings.map { samples -> [AccelSample] in
        stride(from: 0, to: Double(samples.count - 1), by: 2.5).map { i -> AccelSample in
            let k = Int(i), f = i - Double(k), a = samples[k], b = samples[k + 1]
            return AccelSample(
                timeMs: a.timeMs + Int64(f * Double(b.timeMs - a.timeMs)), x: a.x + f * (b.x - a.x), y: a.y + f * (b.y - a.y),
                z: a.z + f * (b.z - a.z))
        }
    }
    let slowCount = slow.reduce(0) { $0 + $1.count }
    _ = try measure(slow, withGas: false)
    let slowRuns = try (0..<5).map { _ in try measure(slow, withGas: false).0 }
    reportPerSample("motion from 20 Hz, per 20 Hz sample", slowRuns, samples: slowCount)
    reportPerSample("motion from 20 Hz, per 50 Hz sample the detectors see", slowRuns, samples: sampleCount)
}

/// One report, bytes → typed readings: every BTHome object's value is read, as the agent would.
@inline(__always)
func decodeOne(
    _ decoder: inout AdvertisementDecoder, _ address: [UInt8], _ data: ArraySlice<UInt8>,
    _ objects: inout Int, _ sum: inout Double
) {
    let d = decoder.decode(address: address, data: data)
    if let b = d.bthome {
        b.forEachObject {
            objects &+= 1
            sum += $0.value
        }
    }
}

/// One pass over the three reports, `rounds` of each: the time, the objects read and the sum of their values.
/// The reports are locals, not array elements, so that the loop measures the decoder rather than
/// picking an element (a division, a retain and a release per report).
@inline(never)  // a symbol of its own, for callgrind --toggle-collect
func decodePlain(
    _ decoder: inout AdvertisementDecoder, _ addresses: [[UInt8]], _ datas: [ArraySlice<UInt8>],
    rounds: Int
) -> (Duration, Int, Double) {
    let (a0, a1, a2) = (addresses[0], addresses[1], addresses[2])
    let (d0, d1, d2) = (datas[0], datas[1], datas[2])
    var objects = 0
    var sum = 0.0
    let start = ContinuousClock.now
    for _ in 0..<rounds {
        decodeOne(&decoder, a0, d0, &objects, &sum)
        decodeOne(&decoder, a1, d1, &objects, &sum)
        decodeOne(&decoder, a2, d2, &objects, &sum)
    }
    return (ContinuousClock.now - start, objects, sum)
}

/// Advertising reports → typed readings, the payloads of BTHome devices that
/// Theengs Decoder also knows (scripts/bench/theengs.py decodes the same ones),
/// each as full advertising data: flags, BTHome service data, name.
func benchmarkDecoders(rounds: Int = 2_000_000) {
    let reports: [(String, [UInt8], [UInt8])] = [
        ("SBBT-002C", [0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0x01], Hex.decode("44000701643a01")!),
        ("SBHT-003C", [0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0x02], Hex.decode("44000c01642e2845e100")!),
        ("asensor_01", [0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0x03], Hex.decode("40000c0164022709038013")!),
    ].map { name, addr, service in
        (
            name, addr,
            AdvertisingDataBuilder.flags + AdvertisingDataBuilder.serviceData16(BTHomePacket.uuid, service)
                + AdvertisingDataBuilder.structure(ADStructure.completeName, Array(name.utf8))
        )
    }
    let addresses = reports.map(\.1)
    let datas = reports.map { $0.2[...] }
    var decoder = AdvertisementDecoder()

    // Five passes, best and median: this machine's speed varies by ±30 % from run to run.
    var sum = 0.0
    var passes: [Duration] = []
    var objects = 0
    for _ in 0..<5 {
        let (elapsed, n, s) = decodePlain(&decoder, addresses, datas, rounds: rounds / 3)
        passes.append(elapsed)
        objects = n
        sum += s
    }
    passes.sort()
    reportRate("plain BTHome, best of 5", rounds / 3 * 3, passes[0], objects)
    reportRate("plain BTHome, median of 5", rounds / 3 * 3, passes[2], objects)

    // Encrypted: every report a fresh counter, so each is authenticated and accepted.
    let key = Hex.decode("231d39c1d7cc1ab1aee224cd096db932")!
    let address = reports[0].1
    var keys = BTHomeKeyring()
    keys.add(address: address, key: key)
    var secure = AdvertisementDecoder(keyring: keys)
    let sealedCount = rounds / 10
    let sealed = (1...sealedCount).map { n in
        AdvertisingDataBuilder.flags
            + AdvertisingDataBuilder.serviceData16(
                BTHomePacket.uuid,
                BTHomeKeyring.encrypt(
                    objects: [(0x00, 7), (0x01, 100), (0x3A, 1)], key: key,
                    address: address, counter: UInt32(n)))
    }
    objects = 0
    let sealedElapsed = ContinuousClock().measure {
        for s in sealed {
            secure.decode(address: address, data: s[...]).bthome?.forEachObject {
                objects &+= 1
                sum += $0.value
            }
        }
    }
    reportRate("encrypted BTHome (AES-CCM)", sealedCount, sealedElapsed, objects)
    print("checksum of the values: \(sum)")
}

/// The scanner path after the kernel: LE Advertising Report events as the raw
/// HCI socket hands them over (one report each, a Canary gas frame from one
/// of 64 detectors) → reports → the agent's frames → decoded readings.
func benchmarkScanner(rounds: Int) {
    let events: [[UInt8]] = (0..<64).map { i in
        let status = CanaryProfile.GasStatus(sequence: UInt8(i), o2: 20.9, co: 3, h2s: 0.4, lel: 0, battery: 80, flags: [], motionG: 0.05)
        let data =
            AdvertisingDataBuilder.flags
            + AdvertisingDataBuilder.manufacturer(
                CanaryProfile.defaultCompany,
                status.encodeAdvertisement())
        let report: [UInt8] = [0x02, 0x01, 0x03, 0x01, UInt8(i), 0x01, 0xEE, 0x00, 0xFF, 0xC0, UInt8(data.count)] + data + [0xC5]
        return [0x3E, UInt8(report.count)] + report
    }
    var decoder = AdvertisementDecoder()
    var passes: [Duration] = []
    var readings = 0.0
    for _ in 0..<5 {
        let start = ContinuousClock.now
        for k in 0..<rounds {
            guard let reports = try? HCIEvent.advertisingReports(events[k & 63][...]) else { continue }
            for r in reports {
                let frame = BLEFrame(timeMs: Int64(k), address: r.address, rssi: r.rssi, payload: .advertisement(Array(r.data)))
                guard case .advertisement(let data) = frame.payload else { continue }
                if case .gas(let g) = decoder.decode(address: frame.address, data: data[...]).canary { readings += g.h2s ?? 0 }
            }
        }
        passes.append(ContinuousClock.now - start)
    }
    passes.sort()
    reportRate("scanner path, best of 5", rounds, passes[0], 0)
    reportRate("scanner path, median of 5", rounds, passes[2], 0)
    print("checksum: \(readings)")
}

func reportRate(_ label: String, _ count: Int, _ d: Duration, _ objects: Int) {
    let s = seconds(d)
    print(
        String(
            format: "%@: %.2f million reports/s (%.0f ns each%@)", label, Double(count) / s / 1e6, s / Double(count) * 1e9,
            objects > 0 ? "; \(objects) objects" : ""))
}

let arguments = CommandLine.arguments.dropFirst()
switch arguments.first {
case "decoders":
    benchmarkDecoders(rounds: arguments.dropFirst().first.flatMap(Int.init) ?? 2_000_000)
case "scanner":
    benchmarkScanner(rounds: arguments.dropFirst().first.flatMap(Int.init) ?? 1_000_000)
case "detection", nil:
    try benchmarkDetection(folder: arguments.dropFirst().first ?? "../shared/data/sisfall-dev")
default:
    print("usage: CanaryBench detection [SISFALL_DIR] | decoders [ROUNDS] | scanner [ROUNDS]")
}
