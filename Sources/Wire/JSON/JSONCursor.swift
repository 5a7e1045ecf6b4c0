/// The lexical layer of strict JSON (RFC 8259) over bytes in memory:
/// whitespace, literals, strings, numbers, and skipping a whole value while
/// checking it. ``JSONParser`` builds trees with it; the collector's hot path
/// (``IncomingMessage/decode(topic:payload:limit:)``) reads envelopes and
/// telemetry field by field with it, without building one.
///
/// Valid only inside the `withUnsafeBufferPointer` scope of its bytes.
struct JSONCursor {
    let b: UnsafeBufferPointer<UInt8>
    var i = 0

    init(_ b: UnsafeBufferPointer<UInt8>, at i: Int = 0) {
        self.b = b
        self.i = i
    }

    func error(_ reason: String) -> JSONParser.SyntaxError { JSONParser.SyntaxError(offset: i, reason: reason) }

    /// The byte at the cursor, or nil at the end.
    var current: UInt8? { i < b.count ? b[i] : nil }

    mutating func skipSpace() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
    }

    /// Steps over `c` (after whitespace) when it is next.
    mutating func take(_ c: UInt8) -> Bool {
        skipSpace()
        guard i < b.count, b[i] == c else { return false }
        i += 1
        return true
    }

    /// After a member or an item: true for `,`, false for the closing `close`.
    mutating func next(_ close: UInt8) throws(JSONParser.SyntaxError) -> Bool {
        skipSpace()
        guard i < b.count else { throw error("unexpected end") }
        if b[i] == UInt8(ascii: ",") {
            i += 1
            return true
        }
        if b[i] == close {
            i += 1
            return false
        }
        throw error(close == UInt8(ascii: "}") ? "expected ',' or '}'" : "expected ',' or ']'")
    }

    /// A member name and its colon; the cursor is left at the value.
    mutating func memberName() throws(JSONParser.SyntaxError) -> StringSpan {
        skipSpace()
        guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw error("expected a member name") }
        let name = try stringSpan()
        guard take(UInt8(ascii: ":")) else { throw error("expected ':'") }
        skipSpace()
        return name
    }

    mutating func literal(_ word: StaticString) throws(JSONParser.SyntaxError) {
        let n = word.utf8CodeUnitCount
        guard i + n <= b.count else { throw error("unexpected end") }
        for k in 0..<n where b[i + k] != word.utf8Start[k] { throw error("not \(word)") }
        i += n
    }

    /// Checks the value at the cursor and steps over it, building nothing.
    mutating func skipValue(depth: Int) throws(JSONParser.SyntaxError) {
        guard depth < JSONParser.maxDepth else { throw error("nesting deeper than \(JSONParser.maxDepth)") }
        guard let c = current else { throw error("unexpected end") }
        switch c {
        case UInt8(ascii: "{"):
            i += 1
            if take(UInt8(ascii: "}")) { return }
            repeat {
                _ = try memberName()
                try skipValue(depth: depth + 1)
            } while try next(UInt8(ascii: "}"))
        case UInt8(ascii: "["):
            i += 1
            if take(UInt8(ascii: "]")) { return }
            repeat {
                skipSpace()
                try skipValue(depth: depth + 1)
            } while try next(UInt8(ascii: "]"))
        case UInt8(ascii: "\""): _ = try stringSpan()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try skipNumber()
        default: throw error("unexpected character")
        }
    }

    // MARK: Strings

    /// A checked string literal: where its content lies, and whether it has escapes.
    struct StringSpan {
        var start: Int
        var end: Int
        var escaped: Bool
    }

    /// Checks the string at the cursor (at its opening quote) and steps over
    /// it: no control characters, valid escapes and surrogate pairs, valid UTF-8.
    mutating func stringSpan() throws(JSONParser.SyntaxError) -> StringSpan {
        i += 1
        let start = i
        var escaped = false, ascii = true
        while true {
            // The plain ASCII run up to the next quote, escape or other byte, in locals:
            // almost every string is nothing but that.
            var j = i
            let n = b.count
            while j < n {
                let c = b[j]
                if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c < 0x20 || c >= 0x80 { break }
                j &+= 1
            }
            i = j
            guard i < b.count else { throw error("unterminated string") }
            let c = b[i]
            if c == UInt8(ascii: "\"") { break }
            if c < 0x20 { throw error("control character in a string") }
            if c >= 0x80 { ascii = false }
            i += 1
            guard c == UInt8(ascii: "\\") else { continue }
            escaped = true
            guard i < b.count else { throw error("unterminated string") }
            let e = b[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                continue
            case UInt8(ascii: "u"):
                let high = try hex4()
                if (0xD800..<0xDC00).contains(high) {
                    guard i + 1 < b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") else {
                        throw error("unpaired surrogate")
                    }
                    i += 2
                    guard (0xDC00..<0xE000).contains(try hex4()) else { throw error("unpaired surrogate") }
                } else if (0xDC00..<0xE000).contains(high) {
                    throw error("invalid \\u escape")
                }
            default:
                throw error("invalid escape")
            }
        }
        let span = StringSpan(start: start, end: i, escaped: escaped)
        if !ascii, String(validating: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self) == nil {
            throw error("invalid UTF-8")
        }
        i += 1
        return span
    }

    /// The string at the cursor, decoded.
    mutating func string() throws(JSONParser.SyntaxError) -> String { text(try stringSpan()) }

    /// The decoded text of a checked string.
    func text(_ s: StringSpan) -> String {
        let raw = UnsafeBufferPointer(rebasing: b[s.start..<s.end])
        guard s.escaped else { return String(decoding: raw, as: UTF8.self) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(raw.count)
        var k = 0
        func hex(_ at: Int) -> UInt32 {
            raw[at..<at + 4].reduce(0) { v, c in
                v << 4 | UInt32(c <= UInt8(ascii: "9") ? c - UInt8(ascii: "0") : (c | 0x20) - UInt8(ascii: "a") + 10)
            }
        }
        while k < raw.count {
            let c = raw[k]
            k += 1
            guard c == UInt8(ascii: "\\") else {
                bytes.append(c)
                continue
            }
            let e = raw[k]
            k += 1
            switch e {
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "f"): bytes.append(0x0C)
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hex(k)
                k += 4
                if (0xD800..<0xDC00).contains(scalar) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (hex(k + 2) - 0xDC00)
                    k += 6
                }
                // stringSpan has checked the escape: a scalar, surrogates paired.
                bytes.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
            default: bytes.append(e)  // " \ /
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether a checked string is `name` (ASCII, as every Canary field name is).
    func equals(_ s: StringSpan, _ name: StaticString) -> Bool {
        if s.escaped { return text(s) == String(describing: name) }
        let n = name.utf8CodeUnitCount
        guard s.end - s.start == n else { return false }
        for k in 0..<n where b[s.start + k] != name.utf8Start[k] { return false }
        return true
    }

    private mutating func hex4() throws(JSONParser.SyntaxError) -> UInt32 {
        guard i + 4 <= b.count else { throw error("short \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = b[i]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw error("invalid \\u escape")
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }

    // MARK: Numbers

    /// The number at the cursor (RFC 8259 grammar). Anything that does not
    /// fit a finite Double is refused.
    mutating func number() throws(JSONParser.SyntaxError) -> Double {
        let n = try scanNumber()
        if let v = n.integer { return Double(v) }
        return try converted(from: n.start)
    }

    /// Checks the number at the cursor and steps over it; converts it only
    /// when it could overflow a Double (an exponent, or over 308 digits).
    mutating func skipNumber() throws(JSONParser.SyntaxError) {
        let n = try scanNumber()
        if n.mayOverflow { _ = try converted(from: n.start) }
    }

    /// The number's grammar; its value when it is an integer of up to 15 digits
    /// (exact in a Double, no text round trip).
    private mutating func scanNumber() throws(JSONParser.SyntaxError) -> (start: Int, integer: Int64?, mayOverflow: Bool) {
        let start = i
        var negative = false
        if b[i] == UInt8(ascii: "-") {
            negative = true
            i += 1
        }
        guard i < b.count, isDigit(b[i]) else { throw error("invalid number") }
        var integer: Int64 = 0, digits = 0
        if b[i] == UInt8(ascii: "0") {
            i += 1
            digits = 1
        } else {
            while i < b.count, isDigit(b[i]) {
                if digits < 18 { integer = integer * 10 + Int64(b[i] - UInt8(ascii: "0")) }
                digits += 1
                i += 1
            }
        }
        var simple = digits <= 15, exponent = false
        if i < b.count, b[i] == UInt8(ascii: ".") {
            simple = false
            i += 1
            guard i < b.count, isDigit(b[i]) else { throw error("invalid number") }
            while i < b.count, isDigit(b[i]) { i += 1 }
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            simple = false
            exponent = true
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard i < b.count, isDigit(b[i]) else { throw error("invalid number") }
            while i < b.count, isDigit(b[i]) { i += 1 }
        }
        return (start, simple ? (negative ? -integer : integer) : nil, exponent || digits > 308)
    }

    private func converted(from start: Int) throws(JSONParser.SyntaxError) -> Double {
        guard let v = Double(String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self)), v.isFinite else {
            throw error("number out of range")
        }
        return v
    }

    private func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
}
