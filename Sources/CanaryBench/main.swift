import Foundation
import Recordings
import RiskCore

// Per-sample cost of RiskCore's detection pipeline, release build, one core:
//   scripts/bench.sh   (or: swift run -c release CanaryBench [SISFALL_DIR])
//
// Motion: every SisFall recording (50 Hz accelerometer, falls and daily
// activities, so impact candidates occur at their real rate) through a
// MotionPipeline per recording. Gas: the four gases of a detector at 1 Hz,
// a reading every 50 accelerometer samples as on a worker, with a leak that
// trips alarms, STEL and hysteresis. Reported: ns per accelerometer sample
// for motion alone and for motion + gas, best and median of 5 runs.

let folder = CommandLine.arguments.dropFirst().first ?? "../shared/data/sisfall-dev"
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

/// A worker's gas readings at 1 Hz for `seconds`, with an H2S and CO leak in the middle.
func gasReadings(seconds: Int) -> [GasReading] {
    var out: [GasReading] = []
    for s in 0..<seconds {
        let t = Int64(s) * 1_000
        let leak = Double(max(0, 30 - abs(s - seconds / 2))) // a 60-s bump peaking at 30
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

func report(_ label: String, _ runs: [Duration]) {
    let ns = runs.map { Double($0.components.seconds) * 1e9 + Double($0.components.attoseconds) / 1e9 }
        .map { $0 / Double(sampleCount) }.sorted()
    print(String(format: "%@: best %.1f ns/sample, median %.1f ns/sample", label, ns[0], ns[ns.count / 2]))
}

print("\(recordings.count) recordings, \(sampleCount) accelerometer samples (\(sampleCount / 50) s at 50 Hz)")
let (_, events) = try measure(recordings, withGas: true) // warm-up
report("motion (fall + immobility)", try (0..<5).map { _ in try measure(recordings, withGas: false).0 })
report("motion + gas (4 gases at 1 Hz)", try (0..<5).map { _ in try measure(recordings, withGas: true).0 })
print("events per pass: \(events)")
