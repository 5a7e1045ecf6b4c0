/// One AD structure (Core Spec Vol 3 Part C §11): a type and its data.
public struct ADStructure: Sendable, Equatable {
    public var type: UInt8
    public var data: ArraySlice<UInt8>

    public static let flags: UInt8 = 0x01
    public static let incomplete16BitUUIDs: UInt8 = 0x02
    public static let complete16BitUUIDs: UInt8 = 0x03
    public static let shortName: UInt8 = 0x08
    public static let completeName: UInt8 = 0x09
    public static let txPower: UInt8 = 0x0A
    public static let serviceData16: UInt8 = 0x16
    public static let manufacturerData: UInt8 = 0xFF
}

public enum AdvertisingData {
    /// Splits advertising data into AD structures: each is a length byte
    /// (covering type and data), a type byte and the data. A zero length ends
    /// the significant part (the rest is padding); a length that runs past the
    /// end is an error.
    public static func parse(_ bytes: ArraySlice<UInt8>) throws(DecodeError) -> [ADStructure] {
        try ByteReader.read(bytes) { (r: inout ByteReader) throws(DecodeError) in
            var out: [ADStructure] = []
            while let (type, data) = try next(&r) { out.append(ADStructure(type: type, data: bytes[data.range])) }
            return out
        }
    }

    /// The next structure's type and a reader over its data; nil at the end
    /// or at a zero length. The decoder's hot path: it allocates nothing.
    @inline(__always)
    static func next(_ r: inout ByteReader) throws(DecodeError) -> (type: UInt8, data: ByteReader)? {
        guard !r.isAtEnd else { return nil }
        let length = Int(try r.u8("AD length"))
        if length == 0 { return nil }
        guard length <= r.remaining else {
            throw .badLength("AD structure of \(length) bytes with \(r.remaining) left")
        }
        let type = try r.u8("AD type")
        return (type, try r.take(length - 1, "AD data"))
    }
}
