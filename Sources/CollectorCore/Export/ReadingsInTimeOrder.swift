import Wire

/// The readings of stored telemetry messages, put in time order for export.
///
/// Messages are read in order of their earliest reading, and they overlap in
/// time (many gateways, each sending a second or so of readings at a time).
/// So a reading is held until the next message starts later than it: no
/// message still to come can hold an earlier one. What is held at any moment
/// is the readings of the messages that overlap, not the export.
struct ReadingsInTimeOrder {
    struct Reading {
        var site: String
        var gateway: String
        /// The message's row, then the reading's place in it: the order of readings at the same time.
        var seq: Int64
        var index: Int
        var reading: TelemetryMessage.Reading
    }

    private var held: [Reading] = []

    mutating func hold(_ readings: some Sequence<Reading>) { held.append(contentsOf: readings) }

    /// The held readings earlier than `time` (all of them for nil), in order.
    mutating func release(before time: Int64?) -> [Reading] {
        held.sort { ($0.reading.time_ms, $0.seq, $0.index) < ($1.reading.time_ms, $1.seq, $1.index) }
        let n = time.map { t in held.firstIndex { $0.reading.time_ms >= t } ?? held.count } ?? held.count
        defer { held.removeFirst(n) }
        return Array(held.prefix(n))
    }
}
