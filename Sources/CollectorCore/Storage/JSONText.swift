import Foundation

/// JSON as stored in TEXT columns and written into responses.
enum JSONText {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    /// Encodes a value of this module's own Codable types (strings, numbers, arrays, objects: cannot fail).
    static func encode(_ value: some Encodable) -> String {
        String(decoding: (try? encoder.encode(value)) ?? Data("null".utf8), as: UTF8.self)
    }

    /// `{"a":1.5,"b":2}`, keys sorted: written by hand because it runs for
    /// every telemetry reading, where JSONEncoder costs tens of microseconds.
    /// The values are finite (the wire validation refuses others).
    static func object(_ values: [String: Double]) -> String {
        var out = "{"
        for (k, key) in values.keys.sorted().enumerated() {
            if k > 0 { out += "," }
            out += key.utf8.allSatisfy { $0 >= 0x20 && $0 != 0x22 && $0 != 0x5C && $0 < 0x80 } ? "\"\(key)\"" : quoted(key)
            out += ":"
            out += number(values[key]!)
        }
        return out + "}"
    }

    /// A finite number as JSON: integers without a fraction.
    static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }

    /// A JSON string literal, for hand-assembled responses.
    static func quoted(_ s: String) -> String { encode(s) }
}
