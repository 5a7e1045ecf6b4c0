import Wire

/// The times a telemetry message spans: its earliest and latest reading's, or
/// its own time (else when it came) when it has none. Stored beside the
/// message, so a time-range query finds it without reading it.
enum TelemetrySpan {
    static func of(_ e: TelemetryMessage, receivedMs: Int64) -> (firstMs: Int64, lastMs: Int64) {
        var first = e.readings.first?.time_ms ?? RFC3339.parse(e.time) ?? receivedMs, last = first
        for r in e.readings {
            first = min(first, r.time_ms)
            last = max(last, r.time_ms)
        }
        return (first, last)
    }
}
