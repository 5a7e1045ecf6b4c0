/// Everything Canary understands in one advertisement's data.
public struct DecodedAdvertisement: Sendable, Equatable {
    public struct Formats: OptionSet, Sendable, Equatable {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        public static let flags = Formats(rawValue: 1 << 0)
        public static let name = Formats(rawValue: 1 << 1)
        public static let uuids = Formats(rawValue: 1 << 2)
        public static let txPower = Formats(rawValue: 1 << 3)
        public static let bthome = Formats(rawValue: 1 << 4)
        public static let serviceData = Formats(rawValue: 1 << 5)
        public static let ibeacon = Formats(rawValue: 1 << 6)
        public static let canaryGas = Formats(rawValue: 1 << 7)
        public static let canaryPosition = Formats(rawValue: 1 << 8)
        public static let manufacturer = Formats(rawValue: 1 << 9)

        static let names: [(Formats, String)] = [
            (.flags, "flags"), (.name, "name"), (.uuids, "uuids"), (.txPower, "tx-power"), (.bthome, "bthome"),
            (.serviceData, "service-data"), (.ibeacon, "ibeacon"), (.canaryGas, "canary-gas"),
            (.canaryPosition, "canary-position"), (.manufacturer, "manufacturer"),
        ]

        /// The names used by `canary-agent decode`, in a fixed order.
        public var names: [String] { Self.names.filter { contains($0.0) }.map(\.1) }
    }

    public var formats: Formats = []
    public var flags: UInt8?
    /// The local name, built when asked for: the agent never needs it, and
    /// building it was a tenth of the cost of a decode.
    public var name: String? { nameBytes.map { String(decoding: $0, as: UTF8.self) } }
    var nameBytes: ArraySlice<UInt8>?
    /// 16-bit service UUIDs, read when asked for (like ``name``).
    public var uuids16: [UInt16] {
        guard let b = uuidBytes else { return [] }
        return stride(from: b.startIndex, to: b.endIndex, by: 2).map { UInt16(b[$0]) | UInt16(b[$0 + 1]) << 8 }
    }
    var uuidBytes: ArraySlice<UInt8>?
    public var txPower: Int8?
    public var bthome: BTHomePacket?
    public var ibeacon: IBeacon?
    public var canary: CanaryProfile.Frame?
    /// Company identifier of manufacturer data Canary does not decode further.
    public var manufacturerCompany: UInt16?
    /// The first rejection; the formats decoded before or beside it are kept.
    public var error: DecodeError?
}

/// Decodes advertising data (AD structures) into typed readings: the one
/// entry point for live scanning, btsnoop replay and the simulator.
public struct AdvertisementDecoder: Sendable {
    public var keyring: BTHomeKeyring?
    public var canaryCompany: UInt16
    public private(set) var rejections = RejectionCounter()

    public init(keyring: BTHomeKeyring? = nil, canaryCompany: UInt16 = CanaryProfile.defaultCompany) {
        self.keyring = keyring
        self.canaryCompany = canaryCompany
    }

    /// - Parameter address: big-endian as written (`AA:BB:…` → `[0xAA, 0xBB, …]`).
    public mutating func decode(address: [UInt8], data: ArraySlice<UInt8>) -> DecodedAdvertisement {
        var out = DecodedAdvertisement()
        decode(address: address, data: data, into: &out)
        return out
    }

    /// The walk, apart from `decode(address:data:)` so that the result is built
    /// in place: written there, the optimiser copied and destroyed the whole
    /// value on return.
    private mutating func decode(address: [UInt8], data: ArraySlice<UInt8>, into out: inout DecodedAdvertisement) {
        do throws(DecodeError) {
            try ByteReader.read(data) { (r: inout ByteReader) throws(DecodeError) in
                while let (type, ad) = try AdvertisingData.next(&r) {
                    do throws(DecodeError) {
                        try decode(type, ad, of: data, address: address, into: &out)
                    } catch {
                        if out.error == nil { out.error = error }
                    }
                }
            }
        } catch {
            out.error = error  // the structures' framing is broken: nothing after it can be read
        }
        if let e = out.error { rejections.count(e) }
    }

    /// One AD structure: its type and a reader over its data in `data`.
    @inline(__always)
    private mutating func decode(
        _ type: UInt8, _ ad: ByteReader, of data: ArraySlice<UInt8>, address: [UInt8],
        into out: inout DecodedAdvertisement
    ) throws(DecodeError) {
        var r = ad
        switch type {
        case ADStructure.flags:
            out.flags = try r.u8("flags")
            out.formats.insert(.flags)
        case ADStructure.shortName, ADStructure.completeName:
            out.nameBytes = data[r.range]
            out.formats.insert(.name)
        case ADStructure.incomplete16BitUUIDs, ADStructure.complete16BitUUIDs:
            guard r.remaining % 2 == 0 else { throw .badLength("16-bit UUID list of \(r.remaining) bytes") }
            out.uuidBytes = data[r.range]
            out.formats.insert(.uuids)
        case ADStructure.txPower:
            out.txPower = try r.i8("TX power")
            out.formats.insert(.txPower)
        case ADStructure.serviceData16:
            let uuid = try r.u16LE("service data UUID")
            if uuid == BTHomePacket.uuid {
                out.bthome = try BTHomePacket.decode(data[r.range], address: address, keys: &keyring)
                out.formats.insert(.bthome)
            } else {
                out.formats.insert(.serviceData)
            }
        case ADStructure.manufacturerData:
            let company = try r.u16LE("company identifier")
            if company == IBeacon.company, let beacon = try IBeacon.decode(data[r.range]) {
                out.ibeacon = beacon
                out.formats.insert(.ibeacon)
            } else if company == canaryCompany {
                let frame = try CanaryProfile.decodeAdvertisement(data[r.range])
                out.canary = frame
                switch frame {
                case .gas: out.formats.insert(.canaryGas)
                case .position: out.formats.insert(.canaryPosition)
                }
            } else {
                out.manufacturerCompany = company
                out.formats.insert(.manufacturer)
            }
        default:
            break
        }
    }
}

/// Builds advertising data as a device would (for the simulator and tests).
public enum AdvertisingDataBuilder {
    /// Flags "LE General Discoverable, BR/EDR not supported".
    public static let flags: [UInt8] = [0x02, ADStructure.flags, 0x06]

    public static func structure(_ type: UInt8, _ data: [UInt8]) -> [UInt8] { [UInt8(data.count + 1), type] + data }

    public static func serviceData16(_ uuid: UInt16, _ data: [UInt8]) -> [UInt8] {
        structure(ADStructure.serviceData16, [UInt8(uuid & 0xFF), UInt8(uuid >> 8)] + data)
    }

    public static func manufacturer(_ company: UInt16, _ data: [UInt8]) -> [UInt8] {
        structure(ADStructure.manufacturerData, [UInt8(company & 0xFF), UInt8(company >> 8)] + data)
    }
}
