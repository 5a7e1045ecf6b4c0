/// A `tw.canary.telemetry` event as the collector receives it: the attributes
/// it stores, and each reading with its `values` kept as the JSON text that
/// came (checked to be an object of finite numbers, whitespace removed).
///
/// The collector stores and exports `values` as is, so it never builds a
/// dictionary per reading nor writes one back to text: that round trip was
/// most of the ingest's time (docs/performance.md).
public struct TelemetryMessage: Sendable, Equatable {
    public struct Reading: Sendable, Equatable {
        public var worker: String
        public var device: String
        /// `gas`, `position`, `heart-rate`, `sleep`, `overwork`, `battery`, `motion-summary`.
        public var kind: String
        public var time_ms: Int64
        /// A JSON object of finite numbers, such as `{"co":1,"o2":20.9}`.
        public var values: String {
            get { valuesText.string }
            set { valuesText = .string(newValue) }
        }
        private var valuesText: ValuesText

        public init(worker: String, device: String, kind: String, time_ms: Int64, values: String) {
            self.init(worker: worker, device: device, kind: kind, time_ms: time_ms, valuesText: .string(values))
        }

        init(worker: String, device: String, kind: String, time_ms: Int64, valuesText: ValuesText) {
            self.worker = worker
            self.device = device
            self.kind = kind
            self.time_ms = time_ms
            self.valuesText = valuesText
        }

        public static func == (a: Reading, b: Reading) -> Bool {
            a.worker == b.worker && a.device == b.device && a.kind == b.kind && a.time_ms == b.time_ms && a.values == b.values
        }

        /// The numbers of `values` (a position's coordinates, say).
        public var numbers: [String: Double] {
            guard case .object(let members) = try? JSONParser.parse(values.utf8) else { return [:] }
            return Dictionary(
                members.compactMap { m in if case .number(let d) = m.value { (m.key, d) } else { nil } },
                uniquingKeysWith: { _, last in last })
        }
    }

    /// A reading's `values`: as received, a checked span of the message,
    /// made a String only when asked for. The collector stores readings
    /// inside their message and asks only for each worker's latest, so most
    /// never are (a String per reading was a tenth of validating a message).
    enum ValuesText: Sendable {
        case string(String)
        case received([UInt8], Range<Int>)

        var string: String {
            switch self {
            case .string(let s): s
            case .received(let message, let span): message.withUnsafeBufferPointer { compact(UnsafeBufferPointer(rebasing: $0[span])) }
            }
        }
    }

    public var id: String
    public var source: String
    public var time: String
    public var readings: [Reading]

    public init(id: String, source: String, time: String, readings: [Reading]) {
        self.id = id
        self.source = source
        self.time = time
        self.readings = readings
    }

    /// What the collector receives when an agent sends `sent`.
    public init(_ sent: CloudEvent<TelemetryBatch>) {
        self.init(
            id: sent.id, source: sent.source, time: sent.time,
            readings: sent.data.readings.map { r in
                var values = ""
                JSONWriter.numbers(r.values, into: &values)
                return Reading(worker: r.worker, device: r.device, kind: r.kind, time_ms: r.time_ms, values: values)
            })
    }
}

extension TelemetryMessage {
    /// The readings of the `data` at `c`, read in place, leaving `c` after it.
    /// Throws a `WireError` for what the schema refuses (`c` is then anywhere
    /// in `data`) and a `JSONParser.SyntaxError` for what JSON does. Fields are
    /// located first and checked after, in schema order, so the refusal names
    /// the same field whatever the order of the members.
    static func readings(_ c: inout JSONCursor, in message: [UInt8]) throws -> [Reading] {
        guard c.current == UInt8(ascii: "{") else { throw WireError.schema("wrong type at data") }
        var seen = false, readings: [Reading]?
        c.i += 1
        if !c.take(UInt8(ascii: "}")) {
            repeat {
                let name = try c.memberName()
                if !seen, c.equals(name, "readings") {
                    seen = true
                    if c.current != UInt8(ascii: "n") {
                        readings = try Self.array(&c, in: message)
                        continue
                    }
                }
                try c.skipValue(depth: 2)
            } while try c.next(UInt8(ascii: "}"))
        }
        guard let readings else { throw WireError.schema("missing data.readings") }
        return readings
    }

    private static func array(_ c: inout JSONCursor, in message: [UInt8]) throws -> [Reading] {
        guard c.current == UInt8(ascii: "[") else { throw WireError.schema("wrong type at data.readings") }
        var out: [Reading] = []
        out.reserveCapacity(16)
        c.i += 1
        if c.take(UInt8(ascii: "]")) { return out }
        repeat {
            c.skipSpace()
            out.append(try reading(&c, index: out.count, in: message))
        } while try c.next(UInt8(ascii: "]"))
        return out
    }

    /// Reading `index`, in one pass over its members: `values` is checked as
    /// it is stepped over, but a refusal of it waits until the fields before
    /// it in the schema are checked. Error paths are only written for errors.
    private static func reading(_ c: inout JSONCursor, index: Int, in message: [UInt8]) throws -> Reading {
        func path(_ key: String = "") -> String { "data.readings.\(index)" + (key.isEmpty ? "" : ".\(key)") }
        guard c.current == UInt8(ascii: "{") else { throw WireError.schema("wrong type at \(path())") }
        // Where each field's value starts (its first occurrence, as SchemaReader reads).
        var worker: Int?, device: Int?, kind: Int?, time: Int?, values: Int?
        var checkedValues: Result<Range<Int>, WireError>?
        c.i += 1
        if !c.take(UInt8(ascii: "}")) {
            repeat {
                let name = try c.memberName()
                if worker == nil, c.equals(name, "worker") {
                    worker = c.i
                } else if device == nil, c.equals(name, "device") {
                    device = c.i
                } else if kind == nil, c.equals(name, "kind") {
                    kind = c.i
                } else if time == nil, c.equals(name, "time_ms") {
                    time = c.i
                } else if values == nil, c.equals(name, "values") {
                    values = c.i
                    if c.current == UInt8(ascii: "{") {
                        checkedValues = try numbers(&c, path: path("values"))
                        continue
                    }
                }
                try c.skipValue(depth: 4)
            } while try c.next(UInt8(ascii: "}"))
        }
        let end = c.i
        defer { c.i = end }
        func present(_ at: Int?, _ key: String) throws -> Int {
            guard let at, c.b[at] != UInt8(ascii: "n") else { throw WireError.schema("missing \(path(key))") }
            c.i = at
            return at
        }
        func string(_ at: Int?, _ key: String) throws -> String {
            guard c.b[try present(at, key)] == UInt8(ascii: "\"") else { throw WireError.schema("wrong type at \(path(key))") }
            return try c.string()
        }
        let w = try string(worker, "worker"), d = try string(device, "device"), k = try string(kind, "kind")
        if let problem = WireName.problem(w) { throw WireError.schema("\(path("worker")) \(problem)") }
        if let problem = WireName.problem(d) { throw WireError.schema("\(path("device")) \(problem)") }
        let first = c.b[try present(time, "time_ms")]
        guard first == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first),
            let t = SchemaReader.integer(try c.number())
        else { throw WireError.schema("wrong type at \(path("time_ms"))") }
        _ = try present(values, "values")
        guard let checkedValues else { throw WireError.schema("wrong type at \(path("values"))") }
        return Reading(worker: w, device: d, kind: k, time_ms: t, valuesText: .received(message, try checkedValues.get()))
    }

    /// Steps over the object at the cursor, checking its JSON (a syntax error
    /// throws at once); where it lies when every member is a number, else
    /// the refusal of the first that is not.
    private static func numbers(_ c: inout JSONCursor, path: @autoclosure () -> String) throws -> Result<Range<Int>, WireError> {
        let start = c.i
        var refusal: WireError?
        c.i += 1
        if !c.take(UInt8(ascii: "}")) {
            repeat {
                let name = try c.memberName()
                if let v = c.current, v == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(v) {
                    try c.skipNumber()
                } else {
                    if refusal == nil { refusal = WireError.schema("wrong type at \(path()).\(c.text(name))") }
                    try c.skipValue(depth: 5)
                }
            } while try c.next(UInt8(ascii: "}"))
        }
        if let refusal { return .failure(refusal) }
        return .success(start..<c.i)
    }

    /// Checked JSON text without the whitespace between tokens (so that it
    /// fits on one line of NDJSON); almost always already so.
    static func compact(_ text: UnsafeBufferPointer<UInt8>) -> String {
        guard text.contains(where: { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) else {
            return String(decoding: text, as: UTF8.self)
        }
        var out: [UInt8] = [], inString = false, escaped = false
        for c in text {
            if inString {
                if escaped { escaped = false } else if c == UInt8(ascii: "\\") { escaped = true } else if c == UInt8(ascii: "\"") { inString = false }
            } else if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 {
                continue
            } else if c == UInt8(ascii: "\"") {
                inString = true
            }
            out.append(c)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
