/// Canary's own BLE profile for the 4-gas detector and locator (docs/devices.md
/// "Canary profile"): no standard covers O2/H2S/LEL. All integers little-endian.
public enum CanaryProfile {
    /// Default company identifier: 0xFFFF, reserved by the Bluetooth SIG for testing.
    public static let defaultCompany: UInt16 = 0xFFFF
    public static let version: UInt8 = 1
    /// `6e0f0001-8c3b-4b8e-9f5a-63616e617279`; characteristics replace 0001.
    public static func uuid(_ short: UInt16) -> [UInt8] {
        [
            0x6e, 0x0f, UInt8(short >> 8), UInt8(short & 0xFF), 0x8c, 0x3b, 0x4b, 0x8e, 0x9f, 0x5a,
            0x63, 0x61, 0x6e, 0x61, 0x72, 0x79,
        ]
    }
    public static let service: UInt16 = 0x0001
    public static let motionCharacteristic: UInt16 = 0x0002
    public static let gasCharacteristic: UInt16 = 0x0003
    public static let alertCharacteristic: UInt16 = 0x0004
    public static let sleepCharacteristic: UInt16 = 0x0005

    public enum Frame: Sendable, Equatable {
        case gas(GasStatus)
        case position(Position)
    }

    /// Decodes manufacturer data after the company identifier.
    public static func decodeAdvertisement(_ data: ArraySlice<UInt8>) throws(DecodeError) -> Frame {
        try ByteReader.read(data) { (r: inout ByteReader) throws(DecodeError) in
            let v = try r.u8("Canary profile version")
            guard v == version else { throw .unsupported("Canary profile version \(v)") }
            switch try r.u8("Canary frame type") {
            case 0x01:
                let status = try GasStatus.decode(&r)
                guard r.isAtEnd else { throw .badLength("gas frame: \(r.remaining) extra bytes") }
                return .gas(status)
            case 0x02:
                let position = try Position.decode(&r)
                guard r.isAtEnd else { throw .badLength("position frame: \(r.remaining) extra bytes") }
                return .position(position)
            case let t:
                throw .unsupported("Canary frame type \(t)")
            }
        }
    }

    public struct GasStatus: Sendable, Equatable {
        public struct Flags: OptionSet, Sendable, Equatable {
            public let rawValue: UInt8
            public init(rawValue: UInt8) { self.rawValue = rawValue }
            public static let sos = Flags(rawValue: 0x01)
            public static let deviceFall = Flags(rawValue: 0x02)
            public static let deviceNoMotion = Flags(rawValue: 0x04)
            public static let sensorFault = Flags(rawValue: 0x08)
            public static let overRange = Flags(rawValue: 0x10)
            public static let charging = Flags(rawValue: 0x20)
        }

        public var sequence: UInt8
        /// %vol; nil when the sensor is not fitted (0xFFFF).
        public var o2: Double?
        /// ppm.
        public var co: Double?
        /// ppm.
        public var h2s: Double?
        /// %LEL.
        public var lel: Double?
        public var battery: Int
        public var flags: Flags
        /// Largest deviation of |a| from 1 g in the last second, in g.
        public var motionG: Double

        public init(
            sequence: UInt8, o2: Double?, co: Double?, h2s: Double?, lel: Double?, battery: Int,
            flags: Flags, motionG: Double
        ) {
            self.sequence = sequence
            self.o2 = o2
            self.co = co
            self.h2s = h2s
            self.lel = lel
            self.battery = battery
            self.flags = flags
            self.motionG = motionG
        }

        static func decode(_ r: inout ByteReader) throws(DecodeError) -> GasStatus {
            // Divide rather than multiply by 0.01, so 2090 reads 20.9 exactly as written.
            func gas(_ raw: UInt16, _ divisor: Double) -> Double? { raw == 0xFFFF ? nil : Double(raw) / divisor }
            let seq = try r.u8("gas sequence")
            let o2 = gas(try r.u16LE("O2"), 100)
            let co = gas(try r.u16LE("CO"), 1)
            let h2s = gas(try r.u16LE("H2S"), 10)
            let lel = gas(try r.u16LE("LEL"), 10)
            let battery = Int(try r.u8("battery"))
            guard battery <= 100 else { throw .unsupported("battery \(battery) %") }
            return GasStatus(
                sequence: seq, o2: o2, co: co, h2s: h2s, lel: lel, battery: battery,
                flags: Flags(rawValue: try r.u8("flags")), motionG: Double(try r.u8("motion")) / 100)
        }

        /// The frame from the sequence number on (the GATT characteristic's value).
        public func encode() -> [UInt8] {
            // 0xFFFF means "not fitted", so a reading is capped one below it.
            func gas(_ v: Double?, _ divisor: Double) -> [UInt8] {
                let raw = v.map { UInt16(clamping: min(0xFFFE, max(0, Int(($0 * divisor).rounded())))) } ?? 0xFFFF
                return [UInt8(raw & 0xFF), UInt8(raw >> 8)]
            }
            return [sequence] + gas(o2, 100) + gas(co, 1) + gas(h2s, 10) + gas(lel, 10)
                + [UInt8(clamping: battery), flags.rawValue, UInt8(clamping: Int((motionG * 100).rounded()))]
        }

        /// Manufacturer data (after the company id) of the advertisement.
        public func encodeAdvertisement() -> [UInt8] { [CanaryProfile.version, 0x01] + encode() }

        /// The GATT gas status characteristic's value.
        public static func decodeCharacteristic(_ bytes: ArraySlice<UInt8>) throws(DecodeError) -> GasStatus {
            try ByteReader.read(bytes) { (r: inout ByteReader) throws(DecodeError) in
                let s = try decode(&r)
                guard r.isAtEnd else { throw .badLength("gas characteristic: \(r.remaining) extra bytes") }
                return s
            }
        }
    }

    public struct Position: Sendable, Equatable {
        public var sequence: UInt8
        /// Metres east and north of the site origin (sent in decimetres).
        public var x: Double
        public var y: Double
        public var floor: Int
        public var accuracy: Double
        public var battery: Int

        public init(sequence: UInt8, x: Double, y: Double, floor: Int, accuracy: Double, battery: Int) {
            self.sequence = sequence
            self.x = x
            self.y = y
            self.floor = floor
            self.accuracy = accuracy
            self.battery = battery
        }

        static func decode(_ r: inout ByteReader) throws(DecodeError) -> Position {
            let seq = try r.u8("position sequence")
            let x = Double(try r.i16LE("x")) / 10
            let y = Double(try r.i16LE("y")) / 10
            let floor = Int(try r.i8("floor"))
            let accuracy = Double(try r.u8("accuracy")) / 10
            let battery = Int(try r.u8("battery"))
            guard battery <= 100 else { throw .unsupported("battery \(battery) %") }
            return Position(sequence: seq, x: x, y: y, floor: floor, accuracy: accuracy, battery: battery)
        }

        public func encodeAdvertisement() -> [UInt8] {
            func i16(_ v: Double) -> [UInt8] {
                let raw = UInt16(bitPattern: Int16(clamping: Int((v * 10).rounded())))
                return [UInt8(raw & 0xFF), UInt8(raw >> 8)]
            }
            return [CanaryProfile.version, 0x02, sequence] + i16(x) + i16(y)
                + [
                    UInt8(bitPattern: Int8(clamping: floor)), UInt8(clamping: Int((accuracy * 10).rounded())),
                    UInt8(clamping: battery),
                ]
        }
    }

    /// The motion characteristic: uint16 index of the first sample, uint8
    /// sample rate (Hz), then int16 x, y, z samples in mg.
    public struct MotionSamples: Sendable, Equatable {
        public var firstIndex: UInt16
        public var rateHz: Int
        public var samples: [(x: Int16, y: Int16, z: Int16)]

        public init(firstIndex: UInt16, rateHz: Int, samples: [(x: Int16, y: Int16, z: Int16)]) {
            self.firstIndex = firstIndex
            self.rateHz = rateHz
            self.samples = samples
        }

        public static func == (a: Self, b: Self) -> Bool {
            a.firstIndex == b.firstIndex && a.rateHz == b.rateHz && a.samples.count == b.samples.count
                && zip(a.samples, b.samples).allSatisfy { $0.x == $1.x && $0.y == $1.y && $0.z == $1.z }
        }

        public static func decode(_ bytes: ArraySlice<UInt8>) throws(DecodeError) -> MotionSamples {
            try ByteReader.read(bytes) { (r: inout ByteReader) throws(DecodeError) in
                let first = try r.u16LE("motion first index")
                let rate = Int(try r.u8("motion sample rate"))
                guard rate > 0 else { throw .unsupported("motion sample rate 0 Hz") }
                guard r.remaining % 6 == 0 else { throw .badLength("motion samples: \(r.remaining) bytes is not whole samples") }
                var samples: [(x: Int16, y: Int16, z: Int16)] = []
                samples.reserveCapacity(r.remaining / 6)
                while !r.isAtEnd { samples.append((try r.i16LE("x"), try r.i16LE("y"), try r.i16LE("z"))) }
                return MotionSamples(firstIndex: first, rateHz: rate, samples: samples)
            }
        }

        public func encode() -> [UInt8] {
            var out: [UInt8] = [UInt8(firstIndex & 0xFF), UInt8(firstIndex >> 8), UInt8(clamping: rateHz)]
            for s in samples {
                for v in [s.x, s.y, s.z] {
                    let u = UInt16(bitPattern: v)
                    out += [UInt8(u & 0xFF), UInt8(u >> 8)]
                }
            }
            return out
        }
    }

    /// The alert control characteristic (write).
    public enum AlertCommand: UInt8, Sendable {
        case silence = 0x00
        /// Vibrate: "are you OK?"
        case preAlarm = 0x01
        /// Buzzer.
        case alarm = 0x02

        public static func decode(_ bytes: ArraySlice<UInt8>) throws(DecodeError) -> AlertCommand {
            guard bytes.count == 1 else { throw .badLength("alert command of \(bytes.count) bytes") }
            guard let c = AlertCommand(rawValue: bytes.first!) else { throw .unsupported("alert command \(bytes.first!)") }
            return c
        }
    }

    /// The sleep summary characteristic (read).
    public struct SleepSummary: Sendable, Equatable {
        public var start: UInt32
        public var end: UInt32
        public var minutesAsleep: Int
        public var efficiencyPercent: Int

        public init(start: UInt32, end: UInt32, minutesAsleep: Int, efficiencyPercent: Int) {
            self.start = start
            self.end = end
            self.minutesAsleep = minutesAsleep
            self.efficiencyPercent = efficiencyPercent
        }

        public var hoursAsleep: Double { Double(minutesAsleep) / 60 }

        public static func decode(_ bytes: ArraySlice<UInt8>) throws(DecodeError) -> SleepSummary {
            guard bytes.count == 11 else { throw .badLength("sleep summary of \(bytes.count) bytes, expected 11") }
            return try ByteReader.read(bytes) { (r: inout ByteReader) throws(DecodeError) in
                let s = SleepSummary(
                    start: try r.u32LE("sleep start"), end: try r.u32LE("sleep end"),
                    minutesAsleep: Int(try r.u16LE("minutes asleep")),
                    efficiencyPercent: Int(try r.u8("efficiency")))
                guard s.end >= s.start else { throw .unsupported("sleep ends before it starts") }
                guard s.efficiencyPercent <= 100 else { throw .unsupported("sleep efficiency \(s.efficiencyPercent) %") }
                guard UInt32(s.minutesAsleep) * 60 <= s.end - s.start else { throw .unsupported("more minutes asleep than in bed") }
                return s
            }
        }

        public func encode() -> [UInt8] {
            func le(_ v: UInt32, _ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: v >> (8 * UInt32($0))) } }
            return le(start, 4) + le(end, 4) + le(UInt32(minutesAsleep), 2) + [UInt8(clamping: efficiencyPercent)]
        }
    }
}
