/// Heart Rate Measurement (GATT characteristic 0x2A37, Heart Rate Service 0x180D).
///
/// Flags: bit 0 heart rate is uint16 (else uint8); bits 1–2 sensor contact
/// (bit 2 supported, bit 1 detected); bit 3 energy expended (uint16 kJ)
/// present; bit 4 RR intervals present — any number of uint16 in 1/1024 s.
public struct HeartRateMeasurement: Sendable, Equatable {
    public static let uuid: UInt16 = 0x2A37

    public var heartRate: Int
    /// nil when the sensor does not support contact detection.
    public var sensorContact: Bool?
    public var energyExpendedKJ: Int?
    /// RR intervals in milliseconds.
    public var rrIntervalsMs: [Double]

    public static func decode(_ bytes: ArraySlice<UInt8>) throws(DecodeError) -> HeartRateMeasurement {
        try ByteReader.read(bytes) { (r: inout ByteReader) throws(DecodeError) in
            let flags = try r.u8("HRM flags")
            let hr = flags & 0x01 != 0 ? Int(try r.u16LE("HRM heart rate")) : Int(try r.u8("HRM heart rate"))
            let contact: Bool? = flags & 0x04 != 0 ? flags & 0x02 != 0 : nil
            let energy = flags & 0x08 != 0 ? Int(try r.u16LE("HRM energy expended")) : nil
            var rr: [Double] = []
            if flags & 0x10 != 0 {
                guard r.remaining % 2 == 0 else { throw .badLength("HRM RR intervals: odd byte count \(r.remaining)") }
                while !r.isAtEnd { rr.append(Double(try r.u16LE("HRM RR interval")) * 1000 / 1024) }
            } else if !r.isAtEnd {
                throw .badLength("HRM: \(r.remaining) bytes after the declared fields")
            }
            return HeartRateMeasurement(heartRate: hr, sensorContact: contact, energyExpendedKJ: energy, rrIntervalsMs: rr)
        }
    }

    /// What a strap sends: uint8 heart rate, contact detected, RR intervals (ms, rounded to 1/1024 s).
    public static func encode(heartRate: Int, rrIntervalsMs: [Double]) -> [UInt8] {
        var out: [UInt8] = [rrIntervalsMs.isEmpty ? 0x06 : 0x16, UInt8(clamping: heartRate)]
        for rr in rrIntervalsMs {
            let v = UInt16(clamping: Int((rr * 1024 / 1000).rounded()))
            out += [UInt8(v & 0xFF), UInt8(v >> 8)]
        }
        return out
    }
}

/// Battery Level (GATT 0x2A19 in Battery Service 0x180F): one uint8, 0–100 %.
public enum BatteryLevel {
    public static let uuid: UInt16 = 0x2A19

    public static func decode(_ bytes: ArraySlice<UInt8>) throws(DecodeError) -> Int {
        guard bytes.count == 1 else { throw .badLength("battery level of \(bytes.count) bytes") }
        let v = Int(bytes.first!)
        guard v <= 100 else { throw .unsupported("battery level \(v) %") }
        return v
    }
}

/// Apple iBeacon in manufacturer data: company 0x004C, 0x02 0x15, a 16-byte
/// UUID, major and minor (big-endian) and the measured power at 1 m (int8).
public struct IBeacon: Sendable, Equatable {
    public static let company: UInt16 = 0x004C

    public var uuid: [UInt8]
    public var major: UInt16
    public var minor: UInt16
    public var measuredPower: Int8

    /// Nil when the manufacturer data is Apple's but not an iBeacon.
    /// - Parameter data: manufacturer data after the company identifier.
    public static func decode(_ data: ArraySlice<UInt8>) throws(DecodeError) -> IBeacon? {
        try ByteReader.read(data) { (r: inout ByteReader) throws(DecodeError) in
            guard data.count >= 2, try r.u8("iBeacon type") == 0x02, try r.u8("iBeacon length") == 0x15 else { return nil }
            guard data.count == 23 else { throw .badLength("iBeacon of \(data.count) bytes, expected 23") }
            return IBeacon(
                uuid: try r.take(16, "iBeacon UUID").bytes, major: try r.u16BE("iBeacon major"),
                minor: try r.u16BE("iBeacon minor"), measuredPower: try r.i8("iBeacon power"))
        }
    }

    public func encode() -> [UInt8] {
        [0x4C, 0x00, 0x02, 0x15] + uuid + [
            UInt8(major >> 8), UInt8(major & 0xFF), UInt8(minor >> 8), UInt8(minor & 0xFF),
            UInt8(bitPattern: measuredPower),
        ]
    }
}
