/// The payload types read from parsed JSON, field by field (docs/schema/*.json).
extension AlarmData {
    init(_ r: SchemaReader) throws(WireError) {
        kind = try r.string("kind")
        condition = try r.string("condition")
        phase = try r.string("phase")
        severity = try r.string("severity")
        time_ms = try r.int64("time_ms")
        values = try r.numbers("values")
        location = try r.optionalObject("location").map { (l) throws(WireError) in
            LocationData(source: try l.string("source"), x: try l.optionalDouble("x"), y: try l.optionalDouble("y"),
                         floor: try l.optionalInt("floor"), accuracy: try l.optionalDouble("accuracy"),
                         zone: try l.optionalString("zone"), time_ms: try l.int64("time_ms"), age_ms: try l.int64("age_ms"))
        }
    }
}

extension TelemetryBatch {
    init(_ r: SchemaReader) throws(WireError) {
        let items = try r.array("readings")
        var readings: [Reading] = []
        readings.reserveCapacity(items.count)
        for (k, item) in items.enumerated() {
            let x = try SchemaReader(item, path: "\(r.path).readings.\(k)")
            readings.append(Reading(worker: try x.string("worker"), device: try x.string("device"), kind: try x.string("kind"),
                                    time_ms: try x.int64("time_ms"), values: try x.numbers("values")))
        }
        self.init(readings: readings)
    }
}

extension GatewayStatus {
    init(_ r: SchemaReader) throws(WireError) {
        self.init(state: try r.string("state"), version: try r.optionalString("version"))
    }
}

extension CloudEvent {
    /// The envelope's attributes from a checked document, the data already read.
    init(_ document: SchemaReader, data: Payload) throws(WireError) {
        self.init(id: try document.string("id"), source: try document.string("source"), type: try document.string("type"),
                  timeMs: 0, subject: try document.optionalString("subject"), data: data)
        time = try document.string("time")
        datacontenttype = try document.optionalString("datacontenttype")
    }
}
