import Wire

/// JSON written into TEXT columns and responses by hand.
enum JSONText {
    static func number(_ v: Double) -> String { JSONWriter.number(v) }

    /// A JSON string literal, for hand-assembled responses.
    static func quoted(_ s: String) -> String { JSONWriter.string(s) }
}
