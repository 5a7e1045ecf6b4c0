import Foundation

/// JSON text written by hand for the hot paths (telemetry, thousands of
/// readings a second), where JSONEncoder costs tens of microseconds a reading.
public enum JSONWriter {
    /// A JSON string literal.
    public static func string(_ s: String, into out: inout String) {
        // Fast path: nothing to escape.
        if s.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x22 && $0 != 0x5C }) {
            out += "\""
            out += s
            out += "\""
            return
        }
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20:
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        out += "\""
    }

    public static func string(_ s: String) -> String {
        var out = ""
        string(s, into: &out)
        return out
    }

    /// A finite number: integers without a fraction, others in Swift's shortest round-trip form (valid JSON).
    public static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }

    /// `{"a":1.5,"b":2}`, keys sorted. The values must be finite.
    public static func numbers(_ values: [String: Double], into out: inout String) {
        out += "{"
        for (k, key) in values.keys.sorted().enumerated() {
            if k > 0 { out += "," }
            string(key, into: &out)
            out += ":"
            out += number(values[key]!)
        }
        out += "}"
    }
}

extension CloudEvent where Payload == TelemetryBatch {
    /// The same JSON as the generic `json()`, written by hand: the agent sends
    /// a thousand readings a second of a large site.
    public func json() -> Data {
        json(array: "readings", of: data.readings, bytesEach: 150) { r, out in
            out += "{\"device\":"
            JSONWriter.string(r.device, into: &out)
            out += ",\"kind\":"
            JSONWriter.string(r.kind, into: &out)
            out += ",\"time_ms\":\(r.time_ms),\"values\":"
            JSONWriter.numbers(r.values, into: &out)
            out += ",\"worker\":"
            JSONWriter.string(r.worker, into: &out)
            out += "}"
        }
    }
}

extension CloudEvent where Payload == Ack {
    /// The same JSON as the generic `json()`, written by hand: the collector
    /// sends one per commit and gateway, with hundreds of ids under load.
    public func json() -> Data {
        json(array: "ids", of: data.ids, bytesEach: 40) { id, out in JSONWriter.string(id, into: &out) }
    }
}

extension CloudEvent {
    /// An event whose `data` is one member holding an array, `{"data":{"key":[…]}, …}`,
    /// each item written by `item`; as the generic encoder writes it.
    fileprivate func json<Item>(
        array key: StaticString, of items: [Item], bytesEach: Int,
        _ item: (Item, inout String) -> Void
    ) -> Data {
        var out = ""
        out.reserveCapacity(200 + items.count * bytesEach)
        out += "{\"data\":{\""
        out += key.description
        out += "\":["
        for (k, x) in items.enumerated() {
            if k > 0 { out += "," }
            item(x, &out)
        }
        out += "]}"
        attributes(into: &out)
        return Data(out.utf8)
    }

    /// The attributes that sort after `data`, and the closing brace, as the generic encoder writes them.
    fileprivate func attributes(into out: inout String) {
        if let t = datacontenttype {
            out += ",\"datacontenttype\":"
            JSONWriter.string(t, into: &out)
        }
        out += ",\"id\":"
        JSONWriter.string(id, into: &out)
        out += ",\"source\":"
        JSONWriter.string(source, into: &out)
        out += ",\"specversion\":"
        JSONWriter.string(specversion, into: &out)
        if let s = subject {
            out += ",\"subject\":"
            JSONWriter.string(s, into: &out)
        }
        out += ",\"time\":"
        JSONWriter.string(time, into: &out)
        out += ",\"type\":"
        JSONWriter.string(type, into: &out)
        out += "}"
    }
}
