/// The payload types read from parsed JSON, field by field (docs/schema/*.json).
extension AlarmData {
    init(_ r: SchemaReader) throws(WireError) {
        kind = try r.word("kind", AlarmKind.self)
        condition = try r.string("condition")
        phase = try r.word("phase", AlarmPhase.self)
        severity = try r.word("severity", AlarmSeverity.self)
        time_ms = try r.int64("time_ms")
        values = try r.numbers("values")
        location = try r.optionalObject("location").map { (l) throws(WireError) in
            LocationData(
                source: try l.string("source"), x: try l.optionalDouble("x"), y: try l.optionalDouble("y"),
                floor: try l.optionalInt("floor"), accuracy: try l.optionalDouble("accuracy"),
                zone: try l.optionalString("zone"), time_ms: try l.int64("time_ms"), age_ms: try l.int64("age_ms"))
        }
    }
}

extension GatewayStatus {
    init(_ r: SchemaReader) throws(WireError) {
        self.init(state: try r.word("state", State.self), version: try r.optionalString("version"), reason: try r.optionalString("reason"))
    }
}
