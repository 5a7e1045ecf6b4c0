/// A strict JSON parser (RFC 8259) that builds a tree, for the messages the
/// collector reads rarely (alarms, statuses) and for tests. Rejects trailing
/// content, invalid UTF-8, control characters in strings, numbers JSON does
/// not allow or a Double cannot hold, and nesting deeper than `maxDepth`.
/// The lexing is ``JSONCursor``'s.
public struct JSONParser {
    public struct SyntaxError: Error, Equatable, CustomStringConvertible {
        public var offset: Int
        public var reason: String
        public var description: String { "\(reason) at byte \(offset)" }
    }

    public static let maxDepth = 64

    public static func parse(_ bytes: some Collection<UInt8>) throws(SyntaxError) -> JSONValue {
        let array = Array(bytes)
        return try array.withUnsafeBufferPointer { (buffer) throws(SyntaxError) -> JSONValue in
            var p = JSONParser(cursor: JSONCursor(buffer))
            p.cursor.skipSpace()
            let value = try p.value(depth: 0)
            p.cursor.skipSpace()
            guard p.cursor.current == nil else { throw p.cursor.error("content after the JSON value") }
            return value
        }
    }

    private var cursor: JSONCursor

    private mutating func value(depth: Int) throws(SyntaxError) -> JSONValue {
        guard depth < Self.maxDepth else { throw cursor.error("nesting deeper than \(Self.maxDepth)") }
        guard let c = cursor.current else { throw cursor.error("unexpected end") }
        switch c {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try cursor.string())
        case UInt8(ascii: "t"):
            try cursor.literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try cursor.literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try cursor.literal("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try cursor.number())
        default: throw cursor.error("unexpected character")
        }
    }

    private mutating func object(depth: Int) throws(SyntaxError) -> JSONValue {
        cursor.i += 1
        var members: [(key: String, value: JSONValue)] = []
        if cursor.take(UInt8(ascii: "}")) { return .object(members) }
        repeat {
            let key = cursor.text(try cursor.memberName())
            members.append((key, try value(depth: depth + 1)))
        } while try cursor.next(UInt8(ascii: "}"))
        return .object(members)
    }

    private mutating func array(depth: Int) throws(SyntaxError) -> JSONValue {
        cursor.i += 1
        var items: [JSONValue] = []
        if cursor.take(UInt8(ascii: "]")) { return .array(items) }
        repeat {
            cursor.skipSpace()
            items.append(try value(depth: depth + 1))
        } while try cursor.next(UInt8(ascii: "]"))
        return .array(items)
    }
}
