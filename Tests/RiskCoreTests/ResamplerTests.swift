import Foundation
import Testing

@testable import RiskCore

/// Streams at other rates become the 50 Hz stream the fall model knows: a
/// 50 Hz one untouched, a slower one band-limited and interpolated, a faster
/// one low-passed before it is thinned.
@Suite struct ResamplerTests {
    /// `seconds` of samples at `rateHz` of `signal(t)` on x, gravity (1000 mg) on y.
    func stream(rateHz: Double, seconds: Double, startMs: Int64 = 1_000, _ signal: (Double) -> Double) -> [AccelSample] {
        (0..<Int(seconds * rateHz)).map { i in
            let t = Double(i) / rateHz
            return AccelSample(timeMs: startMs + Int64((t * 1_000).rounded()), x: signal(t), y: -1_000, z: 0)
        }
    }

    func resampled(_ samples: [AccelSample], rateHz: Double? = nil) -> [AccelSample] {
        var r = Resampler(rateHz: rateHz), out: [AccelSample] = []
        for s in samples { r.push(s) { out.append($0) } }
        r.finish { out.append($0) }
        return out
    }

    @Test func aFiftyHertzStreamPassesThroughUntouched() {
        let input = stream(rateHz: 50, seconds: 3) { 300 * sin(2 * .pi * 3 * $0) }
        #expect(resampled(input) == input)
    }

    @Test func aTwentyHertzStreamComesOutEvery20msAsTheSignalItSampled() throws {
        // 1.5 Hz (well under 20 Hz's Nyquist): the 50 Hz samples are the signal's values at their times.
        let signal = { (t: Double) in 400 * sin(2 * .pi * 1.5 * t) }
        let out = resampled(stream(rateHz: 20, seconds: 6, signal))
        #expect(zip(out.dropFirst(), out).allSatisfy { $0.timeMs - $1.timeMs == 20 })
        #expect(out.count >= 290, "6 s at 50 Hz: \(out.count)")
        // Away from the ends (where the kernel has one side), within 2 % of the amplitude; gravity exactly.
        let inner = out.filter { $0.timeMs >= 1_500 && $0.timeMs <= 6_500 }
        let worst = inner.map { abs($0.x - signal(Double($0.timeMs - 1_000) / 1_000)) }.max() ?? .infinity
        #expect(worst < 8, "largest error \(worst) mg of 400")
        #expect(inner.allSatisfy { abs($0.y + 1_000) < 1e-9 && $0.z == 0 })
    }

    /// The root mean square of x over the middle of `samples`.
    func rms(_ samples: [AccelSample]) -> Double {
        let inner = samples.dropFirst(samples.count / 5).dropLast(samples.count / 5)
        return (inner.map { $0.x * $0.x }.reduce(0, +) / Double(inner.count)).squareRoot()
    }

    @Test func aHundredHertzStreamLosesWhatFiftyHertzCannotCarryAndKeepsTheRest() {
        // 40 Hz would alias to 10 Hz at 50 Hz without the low-pass; 5 Hz is a body's movement.
        let high = resampled(stream(rateHz: 100, seconds: 4) { 500 * sin(2 * .pi * 40 * $0) })
        let low = resampled(stream(rateHz: 100, seconds: 4) { 500 * sin(2 * .pi * 5 * $0) })
        #expect(zip(low.dropFirst(), low).allSatisfy { $0.timeMs - $1.timeMs == 20 })
        #expect(rms(high) < 0.05 * 500 / 2.squareRoot(), "40 Hz left: \(rms(high)) mg rms")
        #expect(rms(low) > 0.97 * 500 / 2.squareRoot(), "5 Hz kept: \(rms(low)) mg rms")
    }

    @Test func aGapWiderThanTheKernelGivesNothingInsideIt() {
        let before = stream(rateHz: 25, seconds: 2) { _ in 100 }
        let after = stream(rateHz: 25, seconds: 2, startMs: 5_000) { _ in 100 }
        let out = resampled(before + after)
        #expect(!out.contains { $0.timeMs > 3_500 && $0.timeMs < 4_500 })
        #expect(out.contains { $0.timeMs > 5_500 } && out.allSatisfy { abs($0.x - 100) < 1e-9 })
    }

    @Test func aGivenRateIsTakenWithoutMeasuring() {
        #expect(Resampler(rateHz: 20).inputRateHz == 20)
        var measuring = Resampler()
        for s in stream(rateHz: 12.5, seconds: 1, { _ in 0 }) { measuring.push(s) { _ in } }
        #expect(measuring.inputRateHz == 12.5)
    }
}

/// A real fall, as a 20 Hz device would send it, is seen as at 50 Hz.
@Suite struct SlowDeviceFallTests {
    @Test func aRecordedFallAt20HzIsDetectedWhenItIsAt50Hz() throws {
        let fall = try SharedData.motion("F01_SA01_R01")
        // Every 50 ms of the 50 Hz recording, its neighbours' mean where it falls between two: a
        // crude 20 Hz device, whose samples carry their own times.
        let slow = stride(from: 0, to: fall.count - 2, by: 5).flatMap { k -> [AccelSample] in
            let a = fall[k], b = fall[k + 2], c = fall[k + 3]
            return [a, AccelSample(timeMs: (b.timeMs + c.timeMs) / 2, x: (b.x + c.x) / 2, y: (b.y + c.y) / 2, z: (b.z + c.z) / 2)]
        }
        func preAlarms(_ samples: [AccelSample]) throws -> [Int64] {
            var p = MotionPipeline(worker: "w1")
            var events: [SafetyEvent] = []
            for s in samples { events += try p.ingest(s) }
            events += p.finish()
            return events.filter { $0.type == .fall && $0.phase == .preAlarm }.map(\.timeMs)
        }
        let atFifty = try preAlarms(fall), atTwenty = try preAlarms(slow)
        #expect(atFifty.count == 1 && atTwenty.count == 1, "\(atFifty) \(atTwenty)")
        #expect(abs((atTwenty.first ?? 0) - (atFifty.first ?? .max)) <= 100, "\(atFifty) \(atTwenty)")
    }
}
