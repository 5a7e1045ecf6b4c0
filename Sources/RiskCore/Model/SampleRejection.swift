/// Why a detector refused a sample. The caller counts these; a rejected sample
/// changes no state, so it can never turn an alarm into "safe".
public enum SampleRejection: Error, Sendable, Equatable {
    /// Earlier than the last accepted sample: replays and reordered packets.
    case outOfOrder(lastMs: Int64, gotMs: Int64)
    /// Same timestamp as the last accepted sample.
    case duplicate(timeMs: Int64)
    /// NaN, infinity, or a value no sensor of this kind can produce.
    case invalidValue(String)
}

/// Keeps timestamps strictly increasing, shared by every streaming detector.
struct MonotonicClock: Codable, Sendable, Equatable {
    private(set) var lastMs: Int64?

    mutating func accept(_ timeMs: Int64) throws(SampleRejection) {
        if let lastMs {
            if timeMs == lastMs { throw .duplicate(timeMs: timeMs) }
            if timeMs < lastMs { throw .outOfOrder(lastMs: lastMs, gotMs: timeMs) }
        }
        lastMs = timeMs
    }
}
