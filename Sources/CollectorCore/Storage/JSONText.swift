import Foundation
import Wire

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

    static func number(_ v: Double) -> String { JSONWriter.number(v) }

    /// A JSON string literal, for hand-assembled responses.
    static func quoted(_ s: String) -> String { JSONWriter.string(s) }
}
