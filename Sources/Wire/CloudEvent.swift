import Foundation

/// A CloudEvents 1.0 event in structured JSON mode (cloudevents.io, spec v1.0.2):
/// the attributes and the `data` in one JSON object. Consumers dedupe on
/// `source` + `id`.
public struct CloudEvent<Payload: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    public var specversion = "1.0"
    /// Unique per source and time-ordered (for alarms: `<ms>-<worker>-<type>[.<condition>]-<phase>`, docs/wire.md).
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
    /// A day that does not exist (February 30), year 0 or a time of day that does
    /// not (25:00, 24:00, 10:60, 99:99:99) is not one: Foundation's parser would
    /// roll them over into the next month, day or hour, so its answers are only
    /// taken for a date and a time that ``calendarDate(_:)`` and ``clockTime(_:)``
    /// find real.
    public static func parse(_ s: String) -> Int64? {
        if let ms = canonical(s) { return ms }
        guard calendarDate(s), clockTime(s) else { return nil }
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        if let d = try? style.parse(s) { return Int64((d.timeIntervalSince1970 * 1000).rounded()) }
        if let d = try? Date.ISO8601FormatStyle().parse(s) { return Int64(d.timeIntervalSince1970 * 1000) }
        return nil
    }
}

extension RFC3339 {
    /// Whether `s` starts with a real date, `YYYY-MM-DD`, year 1 or later.
    static func calendarDate(_ s: String) -> Bool {
        let b = Array(s.utf8.prefix(10))
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
            b.enumerated().allSatisfy({ $0.offset == 4 || $0.offset == 7 || (0x30...0x39).contains($0.element) })
        else { return false }
        func number(_ r: Range<Int>) -> Int { b[r].reduce(0) { $0 * 10 + Int($1 - 0x30) } }
        let year = number(0..<4), month = number(5..<7), day = number(8..<10)
        guard year >= 1, (1...12).contains(month), day >= 1 else { return false }
        return day <= daysIn(month: month, year: year)
    }

    /// Whether `s`, after its date, is a real time of day as RFC 3339 §5.6 has it: `T`,
    /// `HH:MM:SS` (hour < 24, minute < 60, second ≤ 60 for a leap second), an optional
    /// fraction, and `Z` or an offset `±HH:MM` (hour < 24, minute < 60), then nothing.
    static func clockTime(_ s: String) -> Bool {
        let b = Array(s.utf8)
        func number(_ at: Int, below limit: Int) -> Bool {
            guard at + 2 <= b.count, b[at..<at + 2].allSatisfy({ (0x30...0x39).contains($0) }) else { return false }
            return Int(b[at] - 0x30) * 10 + Int(b[at + 1] - 0x30) < limit
        }
        guard b.count >= 20, b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"), number(11, below: 24),
            b[13] == UInt8(ascii: ":"), number(14, below: 60), b[16] == UInt8(ascii: ":"), number(17, below: 61)
        else { return false }
        var i = 19
        if b[i] == UInt8(ascii: ".") {
            i += 1
            let digits = i
            while i < b.count, (0x30...0x39).contains(b[i]) { i += 1 }
            guard i > digits else { return false }
        }
        guard i < b.count else { return false }
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") { return i + 1 == b.count }
        guard b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-"), i + 6 == b.count, number(i + 1, below: 24), b[i + 3] == UInt8(ascii: ":"),
            number(i + 4, below: 60)
        else { return false }
        return true
    }

    static func daysIn(month: Int, year: Int) -> Int {
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    }

    /// The form Canary writes, `YYYY-MM-DDTHH:MM:SS.sssZ`, read without
    /// Foundation: the collector checks every message's time, and the
    /// general parser cost more than the rest of the envelope. Anything else,
    /// or a day that does not exist, is left to the general parser (nil here).
    static func canonical(_ s: String) -> Int64? {
        var s = s
        return s.withUTF8 { b -> Int64? in
            guard b.count == 24, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"),
                b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"), b[19] == UInt8(ascii: "."), b[23] == UInt8(ascii: "Z")
            else { return nil }
            func digits(_ at: Int, _ n: Int) -> Int64? {
                var v: Int64 = 0
                for k in at..<at + n {
                    guard b[k] >= UInt8(ascii: "0"), b[k] <= UInt8(ascii: "9") else { return nil }
                    v = v * 10 + Int64(b[k] - UInt8(ascii: "0"))
                }
                return v
            }
            guard let year = digits(0, 4), let month = digits(5, 2), let day = digits(8, 2), let hour = digits(11, 2),
                let minute = digits(14, 2), let second = digits(17, 2), let ms = digits(20, 3),
                year >= 1, (1...12).contains(month), day >= 1, hour < 24, minute < 60, second < 60,
                day <= daysIn(month: Int(month), year: Int(year))
            else { return nil }
            // Days from 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
            let y = month <= 2 ? year - 1 : year
            let era = y / 400, yoe = y - era * 400
            let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
            let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
            return ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1_000 + ms
        }
    }
}

extension Int64 {
    /// Floor division and its non-negative remainder, so times before 1970 format too.
    fileprivate func quotient(_ d: Int64) -> Int64 { self >= 0 ? self / d : (self - d + 1) / d }
    fileprivate func remainder(_ d: Int64) -> Int64 { self - quotient(d) * d }
}
