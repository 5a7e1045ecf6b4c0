/// A bounds-checked cursor over bytes: every read either succeeds or throws
/// ``DecodeError/truncated(_:)``, so no decoder can read past the end.
struct ByteReader {
    let bytes: ArraySlice<UInt8>
    private(set) var index: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        index = bytes.startIndex
    }

    var remaining: Int { bytes.endIndex - index }
    var isAtEnd: Bool { index >= bytes.endIndex }

    @inline(__always)
    mutating func u8(_ what: StaticString) throws(DecodeError) -> UInt8 {
        guard index < bytes.endIndex else { throw .truncated(what.description) }
        defer { index += 1 }
        return bytes[index]
    }

    mutating func i8(_ what: StaticString) throws(DecodeError) -> Int8 { Int8(bitPattern: try u8(what)) }

    /// An unsigned little-endian integer of `count` bytes (1…8).
    @inline(__always)
    mutating func uintLE(_ count: Int, _ what: StaticString) throws(DecodeError) -> UInt64 {
        guard remaining >= count else { throw .truncated(what.description) }
        var v: UInt64 = 0
        for k in 0..<count { v |= UInt64(bytes[index + k]) << (8 * k) }
        index += count
        return v
    }

    /// A two's-complement little-endian integer of `count` bytes.
    mutating func intLE(_ count: Int, _ what: StaticString) throws(DecodeError) -> Int64 {
        let raw = try uintLE(count, what)
        let shift = UInt64(64 - 8 * count)
        return Int64(bitPattern: raw << shift) >> Int64(shift)
    }

    mutating func u16LE(_ what: StaticString) throws(DecodeError) -> UInt16 { UInt16(try uintLE(2, what)) }
    mutating func i16LE(_ what: StaticString) throws(DecodeError) -> Int16 { Int16(try intLE(2, what)) }
    mutating func u32LE(_ what: StaticString) throws(DecodeError) -> UInt32 { UInt32(try uintLE(4, what)) }

    mutating func u16BE(_ what: StaticString) throws(DecodeError) -> UInt16 {
        guard remaining >= 2 else { throw .truncated(what.description) }
        defer { index += 2 }
        return UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
    }

    mutating func u32BE(_ what: StaticString) throws(DecodeError) -> UInt32 {
        UInt32(try u16BE(what)) << 16 | UInt32(try u16BE(what))
    }

    mutating func take(_ count: Int, _ what: StaticString) throws(DecodeError) -> ArraySlice<UInt8> {
        guard count >= 0, remaining >= count else { throw .truncated(what.description) }
        defer { index += count }
        return bytes[index..<(index + count)]
    }

    mutating func skip(_ count: Int, _ what: StaticString) throws(DecodeError) {
        guard count >= 0, remaining >= count else { throw .truncated(what.description) }
        index += count
    }

    mutating func rest() -> ArraySlice<UInt8> {
        defer { index = bytes.endIndex }
        return bytes[index...]
    }
}
