/// Reads the fields of a JSON object into typed values, refusing with the
/// dotted path of the offending field (`missing data.kind`, `wrong type at
/// data.values.ppm`): the `schema` refusals of docs/wire.md.
struct SchemaReader {
    let members: [(key: String, value: JSONValue)]
    let path: String

    init(_ value: JSONValue, path: String) throws(WireError) {
        guard case .object(let members) = value else { throw .schema("wrong type at \(path)") }
        self.members = members
        self.path = path
    }

    private func at(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func value(_ key: String) -> JSONValue? {
        guard let v = members.first(where: { $0.key == key })?.value, v != .null else { return nil }
        return v
    }

    private func required(_ key: String) throws(WireError) -> JSONValue {
        guard let v = value(key) else { throw .schema("missing \(at(key))") }
        return v
    }

    func string(_ key: String) throws(WireError) -> String {
        guard case .string(let s) = try required(key) else { throw .schema("wrong type at \(at(key))") }
        return s
    }

    /// One of `Word`'s values; anything else is a schema violation that lists them.
    func word<Word: RawRepresentable & CaseIterable>(_ key: String, _ type: Word.Type) throws(WireError) -> Word
    where Word.RawValue == String {
        let s = try string(key)
        guard let w = Word(rawValue: s) else {
            throw .schema("\(at(key)) '\(s)' is not one of \(Word.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return w
    }

    func optionalString(_ key: String) throws(WireError) -> String? {
        guard let v = value(key) else { return nil }
        guard case .string(let s) = v else { throw .schema("wrong type at \(at(key))") }
        return s
    }

    func double(_ key: String) throws(WireError) -> Double {
        guard case .number(let d) = try required(key) else { throw .schema("wrong type at \(at(key))") }
        return d
    }

    func optionalDouble(_ key: String) throws(WireError) -> Double? {
        guard let v = value(key) else { return nil }
        guard case .number(let d) = v else { throw .schema("wrong type at \(at(key))") }
        return d
    }

    /// An integer: a number without a fraction, exact in a Double (|n| < 2^53).
    func int64(_ key: String) throws(WireError) -> Int64 {
        guard let n = Self.integer(try double(key)) else { throw .schema("wrong type at \(at(key))") }
        return n
    }

    func optionalInt(_ key: String) throws(WireError) -> Int? {
        guard let d = try optionalDouble(key) else { return nil }
        guard let n = Self.integer(d) else { throw .schema("wrong type at \(at(key))") }
        return Int(n)
    }

    func object(_ key: String) throws(WireError) -> SchemaReader { try SchemaReader(try required(key), path: at(key)) }

    func optionalObject(_ key: String) throws(WireError) -> SchemaReader? {
        guard let v = value(key) else { return nil }
        return try SchemaReader(v, path: at(key))
    }

    func array(_ key: String) throws(WireError) -> [JSONValue] {
        guard case .array(let items) = try required(key) else { throw .schema("wrong type at \(at(key))") }
        return items
    }

    /// An object of numbers (`values`).
    func numbers(_ key: String) throws(WireError) -> [String: Double] {
        let o = try object(key)
        var out: [String: Double] = [:]
        out.reserveCapacity(o.members.count)
        for (name, v) in o.members {
            guard case .number(let d) = v else { throw .schema("wrong type at \(o.at(name))") }
            out[name] = d
        }
        return out
    }

    /// A number without a fraction, exact in a Double (|n| < 2^53).
    static func integer(_ d: Double) -> Int64? {
        guard d == d.rounded(), abs(d) < 9_007_199_254_740_992 else { return nil }
        return Int64(d)
    }
}
