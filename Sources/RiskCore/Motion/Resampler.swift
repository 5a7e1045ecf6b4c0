import Foundation

/// An accelerometer stream at any rate from 12.5 to 100 Hz, as the 50 Hz
/// stream the fall model was trained on (docs/detection.md, "On other
/// devices"). Fed a 20 Hz stream as if it were 50 Hz, the detector saw every
/// movement two and a half times too fast.
///
/// A stream at 50 Hz already (the median of its first intervals within 2 %)
/// passes through untouched. Any other is interpolated at every 20 ms with a
/// Hann-windowed sinc low-pass, cut off below the lower of the two Nyquist
/// frequencies (90 % of it): when decimating (100 → 50 Hz) this is the
/// anti-aliasing filter, when interpolating (20 → 50 Hz) the band-limited
/// reconstruction. The kernel works on the samples' own times, so a jittery
/// or gappy stream needs no regular grid; the weights are normalised, so
/// gravity comes out exactly as it went in. An output sample waits for input
/// reaching its kernel's half-width past it: at most 200 ms (at 20 Hz) of
/// delay, against the 2.5 s the detector waits after an impact.
///
/// (Smith, "Digital Audio Resampling Home Page", windowed-sinc bandlimited
/// interpolation; Oppenheim & Schafer, *Discrete-Time Signal Processing*,
/// sampling-rate conversion.)
public struct Resampler: Codable, Sendable, Equatable {
    /// The rate out: the fall model's.
    public static let outputIntervalMs: Int64 = 20
    /// Zero crossings of the sinc on each side of the kernel.
    static let zeroCrossings = 4.0
    /// Intervals that decide the stream's rate.
    static let intervalsToDecide = 8

    /// The input's rate, once decided (Hz); nil until then.
    public private(set) var inputRateHz: Double?
    private var held: [AccelSample] = []
    private var nextOutputMs: Int64?
    /// The kernel's weight at each whole millisecond from an output's time (times are whole
    /// milliseconds), made once the rate is known: a table read per tap, not a sine and a cosine.
    private var kernel: [Double] = []

    /// `rateHz`: the input's rate when known; otherwise measured from the first samples' times.
    public init(rateHz: Double? = nil) { inputRateHz = rateHz }

    /// Whether samples pass through untouched (the input is 50 Hz).
    var passesThrough: Bool { inputRateHz.map { abs($0 - 50) <= 1 } ?? false }

    /// Whether the next sample would go straight out: 50 Hz, and nothing held.
    var isTransparent: Bool { passesThrough && held.isEmpty }

    /// Cut-off (Hz): below both Nyquist frequencies.
    private var cutoffHz: Double { 0.9 * min(inputRateHz ?? 50, 50) / 2 }

    /// Half the kernel's width, ms.
    private var halfWidthMs: Double { Self.zeroCrossings / (2 * cutoffHz) * 1_000 }

    /// Takes a sample (in time order) and hands `emit` the 50 Hz samples now complete, in order.
    /// A closure, not an array: at 50 Hz a sample passes through without an allocation.
    public mutating func push(_ s: AccelSample, _ emit: (AccelSample) -> Void) {
        if isTransparent { return emit(s) }
        held.append(s)
        if inputRateHz == nil {
            guard held.count > Self.intervalsToDecide else { return }
            decideRate()
        }
        if passesThrough {
            held.forEach(emit)
            held.removeAll()
            return
        }
        resample(upTo: s.timeMs - Int64(halfWidthMs.rounded(.up)), emit)
    }

    /// The end of the stream: what is held, interpolated as far as it goes.
    public mutating func finish(_ emit: (AccelSample) -> Void) {
        guard let last = held.last else { return }
        if inputRateHz == nil, held.count > 1 { decideRate() }
        if inputRateHz == nil || passesThrough {
            held.forEach(emit)
            held.removeAll()
            return
        }
        resample(upTo: last.timeMs, emit)
    }

    /// The rate from the median interval of the samples held (times in order).
    private mutating func decideRate() {
        let intervals = zip(held.dropFirst(), held).map { Double($0.timeMs - $1.timeMs) }.sorted()
        inputRateHz = 1_000 / max(intervals[intervals.count / 2], 1)
    }

    /// The Hann-windowed sinc at `dtMs` from the output's time; 0 outside the kernel.
    private func weight(_ dtMs: Double) -> Double {
        let half = halfWidthMs
        guard abs(dtMs) < half else { return 0 }
        let x = 2 * cutoffHz * dtMs / 1_000
        let sinc = x == 0 ? 1 : sin(Double.pi * x) / (Double.pi * x)
        return sinc * 0.5 * (1 + cos(Double.pi * dtMs / half))
    }

    /// The outputs due at or before `limitMs` (whose kernels the input now covers).
    private mutating func resample(upTo limitMs: Int64, _ emit: (AccelSample) -> Void) {
        let half = halfWidthMs, reach = Int64(half.rounded(.up))
        if kernel.isEmpty { kernel = (-reach...reach).map { weight(Double($0)) } }
        var t = nextOutputMs ?? held[0].timeMs
        while t <= limitMs {
            var wx = 0.0, wy = 0.0, wz = 0.0, total = 0.0
            for s in held {
                let dtMs = s.timeMs - t
                guard abs(dtMs) <= reach else { continue }
                let w = kernel[Int(dtMs + reach)]
                wx += w * s.x
                wy += w * s.y
                wz += w * s.z
                total += w
            }
            // A gap wider than the kernel: no output until the stream resumes.
            if total > 1e-9 { emit(AccelSample(timeMs: t, x: wx / total, y: wy / total, z: wz / total)) }
            t += Self.outputIntervalMs
        }
        nextOutputMs = t
        // What no later output's kernel reaches is let go.
        held.removeAll { Double(t - $0.timeMs) >= half }
    }
}
