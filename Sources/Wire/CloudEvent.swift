import Foundation

/// A CloudEvents 1.0 event in structured JSON mode (cloudevents.io, spec v1.0.2):
/// the attributes and the `data` in one JSON object. Consumers dedupe on
/// `source` + `id`.
public struct CloudEvent<Payload: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    public var specversion = "1.0"
    /// Unique per source and time-ordered (for alarms: ``RiskCore/SafetyEvent/id``).
    public var id: String
    /// `canary://{site}/{gateway}`.
    public var source: String
    /// `tw.canary.alarm.<event type>`, `tw.canary.telemetry`, `tw.canary.gateway.status`, `tw.canary.ack`.
    public var type: String
    /// RFC 3339, UTC, milliseconds.
    public var time: String
    /// The worker, for alarms.
    public var subject: String?
    /// Optional in CloudEvents 1.0; what Canary sends is always JSON.
    public var datacontenttype: String? = "application/json"
    public var data: Payload

    public init(id: String, source: String, type: String, timeMs: Int64, subject: String? = nil, data: Payload) {
        self.id = id
        self.source = source
        self.type = type
        self.time = RFC3339.format(ms: timeMs)
        self.subject = subject
        self.data = data
    }

    public func json() -> Data {
        // Encoding a value of these types cannot fail: every field is a string, number, array or object.
        (try? Wire.encoder.encode(self)) ?? Data()
    }
}

enum Wire {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()
}

/// RFC 3339 timestamps with milliseconds, always UTC (`2026-01-01T08:00:00.000Z`).
public enum RFC3339 {
    public static func format(ms: Int64) -> String {
        var seconds = time_t(ms.quotient(1000))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ v: Int32, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(ms.remainder(1000)), 3))Z"
    }

    /// Milliseconds since 1970 of an RFC 3339 time, or nil when it is not one.
    public static func parse(_ s: String) -> Int64? {
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        if let d = try? style.parse(s) { return Int64((d.timeIntervalSince1970 * 1000).rounded()) }
        if let d = try? Date.ISO8601FormatStyle().parse(s) { return Int64(d.timeIntervalSince1970 * 1000) }
        return nil
    }
}

extension Int64 {
    /// Floor division and its non-negative remainder, so times before 1970 format too.
    fileprivate func quotient(_ d: Int64) -> Int64 { self >= 0 ? self / d : (self - d + 1) / d }
    fileprivate func remainder(_ d: Int64) -> Int64 { self - quotient(d) * d }
}
