/// Bluetooth device addresses as people write them (`AA:BB:CC:DD:EE:FF`),
/// kept as 6 bytes in that (big-endian) order. HCI carries them
/// little-endian; ``BDAddress/fromHCI(_:)`` turns them around.
public enum BDAddress {
    public static func parse(_ s: some StringProtocol) -> [UInt8]? {
        let parts = s.split(separator: ":")
        guard parts.count == 6 else { return nil }
        var out: [UInt8] = []
        for p in parts {
            guard p.count == 2, let b = UInt8(p, radix: 16) else { return nil }
            out.append(b)
        }
        return out
    }

    public static func string(_ bytes: some Collection<UInt8>) -> String {
        bytes.map { hex2($0).uppercased() }.joined(separator: ":")
    }

    static func fromHCI(_ bytes: ArraySlice<UInt8>) -> [UInt8] { bytes.reversed() }
}

func hex2(_ b: UInt8) -> String {
    let digits: [Character] = Array("0123456789abcdef")
    return String([digits[Int(b >> 4)], digits[Int(b & 0xF)]])
}

public enum Hex {
    public static func encode(_ bytes: some Sequence<UInt8>) -> String { bytes.map(hex2).joined() }

    /// Nil unless the string is an even number of hex digits.
    public static func decode(_ s: some StringProtocol) -> [UInt8]? {
        let chars = Array(s.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var k = 0
        while k < chars.count {
            guard let hi = nibble(chars[k]), let lo = nibble(chars[k + 1]) else { return nil }
            out.append(hi << 4 | lo)
            k += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
