/// Why a payload was rejected. Every decoder is total: any byte string gives
/// a value or one of these, never a crash or a read past the end.
public enum DecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes end before the named field.
    case truncated(String)
    /// A length field that runs past the end or contradicts the format.
    case badLength(String)
    /// A version, frame type or other field with a value the format does not allow.
    case unsupported(String)
    /// An encrypted payload with no key configured for its device.
    case missingKey(String)
    /// The message integrity check failed: wrong key or tampered payload.
    case authenticationFailed
    /// An encrypted packet whose counter does not increase (a replay).
    case replayedCounter(last: UInt32, got: UInt32)

    /// A short stable name, used as the rejection counter's label.
    public var kind: String {
        switch self {
        case .truncated: "truncated"
        case .badLength: "bad-length"
        case .unsupported: "unsupported"
        case .missingKey: "missing-key"
        case .authenticationFailed: "authentication-failed"
        case .replayedCounter: "replayed-counter"
        }
    }

    public var description: String {
        switch self {
        case .truncated(let what): "truncated: \(what) missing"
        case .badLength(let what): "bad length: \(what)"
        case .unsupported(let what): "unsupported: \(what)"
        case .missingKey(let addr): "encrypted, and no bind key for \(addr)"
        case .authenticationFailed: "encrypted payload failed authentication (wrong key or tampered)"
        case .replayedCounter(let last, let got): "replayed counter \(got) (last accepted \(last))"
        }
    }
}

/// Counts rejections by kind, so an operator sees bad input instead of silence.
public struct RejectionCounter: Sendable, Equatable {
    public private(set) var byKind: [String: Int] = [:]
    public init() {}
    public var total: Int { byKind.values.reduce(0, +) }
    public mutating func count(_ e: DecodeError) { byKind[e.kind, default: 0] += 1 }
}
