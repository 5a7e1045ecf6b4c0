/// A bounds-checked cursor over bytes: every read either succeeds or throws
/// ``DecodeError/truncated(_:)``, so no decoder can read past the end.
///
/// It reads through a pointer that is valid only inside ``read(_:_:)``, so
/// copying a reader or taking a sub-reader costs no reference counting: with
/// array slices instead, retains and releases were a quarter of the cost of
/// decoding an advertisement (docs/performance.md). Positions are indices of
/// the collection being read, so ``range`` slices that collection.
struct ByteReader {
    /// Where index 0 of the collection would be: `base + index` is the byte at
    /// `index`. Only indices in `index..<endIndex` are ever read.
    private let base: UnsafeRawPointer
    private(set) var index: Int
    let endIndex: Int

    /// Runs `body` with a reader over `bytes`; the reader must not escape it.
    @inline(__always)
    static func read<T>(_ bytes: ArraySlice<UInt8>, _ body: (inout ByteReader) throws(DecodeError) -> T) throws(DecodeError) -> T {
        try bytes.withUnsafeBufferPointer { (buffer) throws(DecodeError) -> T in
            // An empty buffer may have no address; nothing is read from it then.
            let start = buffer.baseAddress.map(UnsafeRawPointer.init) ?? UnsafeRawPointer(bitPattern: 1)!
            var r = ByteReader(base: start - bytes.startIndex, index: bytes.startIndex, endIndex: bytes.endIndex)
            return try body(&r)
        }
    }

    private init(base: UnsafeRawPointer, index: Int, endIndex: Int) {
        self.base = base
        self.index = index
        self.endIndex = endIndex
    }

    var remaining: Int { endIndex - index }
    var isAtEnd: Bool { index >= endIndex }
    /// The unread bytes' indices in the collection being read.
    var range: Range<Int> { index..<endIndex }
    /// A copy of the unread bytes.
    var bytes: [UInt8] { Array(UnsafeRawBufferPointer(start: base + index, count: remaining)) }

    /// Callers have checked `i` against `index` and `endIndex`.
    @inline(__always)
    private func byte(_ i: Int) -> UInt8 { base.load(fromByteOffset: i, as: UInt8.self) }

    @inline(__always)
    mutating func u8(_ what: StaticString) throws(DecodeError) -> UInt8 {
        guard index < endIndex else { throw .truncated(what.description) }
        defer { index += 1 }
        return byte(index)
    }

    mutating func i8(_ what: StaticString) throws(DecodeError) -> Int8 { Int8(bitPattern: try u8(what)) }

    /// An unsigned little-endian integer of `count` bytes (0…8).
    @inline(__always)
    mutating func uintLE(_ count: Int, _ what: StaticString) throws(DecodeError) -> UInt64 {
        guard count >= 0, remaining >= count else { throw .truncated(what.description) }
        defer { index += count }
        switch count {  // the common sizes without a loop
        case 1: return UInt64(byte(index))
        case 2: return UInt64(byte(index)) | UInt64(byte(index + 1)) << 8
        default:
            var v: UInt64 = 0
            var k = count
            while k > 0 {
                k -= 1
                v = v << 8 | UInt64(byte(index + k))
            }
            return v
        }
    }

    /// A two's-complement little-endian integer of `count` bytes (1…8).
    @inline(__always)
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
        return UInt16(byte(index)) << 8 | UInt16(byte(index + 1))
    }

    mutating func u32BE(_ what: StaticString) throws(DecodeError) -> UInt32 {
        UInt32(try u16BE(what)) << 16 | UInt32(try u16BE(what))
    }

    /// A reader over the next `count` bytes, which this one skips.
    mutating func take(_ count: Int, _ what: StaticString) throws(DecodeError) -> ByteReader {
        guard count >= 0, remaining >= count else { throw .truncated(what.description) }
        defer { index += count }
        return ByteReader(base: base, index: index, endIndex: index + count)
    }

    mutating func skip(_ count: Int, _ what: StaticString) throws(DecodeError) {
        guard count >= 0, remaining >= count else { throw .truncated(what.description) }
        index += count
    }

    /// A reader over the unread bytes, which this one skips.
    mutating func rest() -> ByteReader {
        defer { index = endIndex }
        return self
    }
}
