import DeviceFormats

/// The JSON objects `canary-agent decode` prints (docs/cli.md): one per
/// input line or capture record. Keys are sorted; `error` is always present.
struct DecodeOutput: Encodable {
    struct BTHome: Encodable {
        struct Object: Encodable {
            var id: Int
            var value: Double
            var text: String?
        }
        var encrypted: Bool
        var objects: [Object]
        var counter: UInt32?
        var stopped_at_unknown_id: Int?
    }

    struct IBeaconJSON: Encodable {
        var uuid: String
        var major: Int
        var minor: Int
        var power: Int
    }

    struct Canary: Encodable {
        var frame: String
        var sequence: Int
        var o2: Double?, co: Double?, h2s: Double?, lel: Double?
        var battery: Int
        var flags: [String]?
        var motion_g: Double?
        var x: Double?, y: Double?, floor: Int?, accuracy: Double?
    }

    var addr: String
    var formats: [String]
    var error: String?
    var bthome: BTHome?
    var ibeacon: IBeaconJSON?
    var canary: Canary?
    var name: String?
    var tx_power: Int?
    var uuids: [String]?
    var manufacturer: Int?
    // Capture records only.
    var time_us: Int64?
    var kind: String?
    var rssi: Int?
    var event_type: Int?
    var extended: Bool?
    var handle: Int?
    var connection: Int?
    var value: String?

    init(addr: String, formats: [String] = [], error: String? = nil) {
        self.addr = addr
        self.formats = formats
        self.error = error
    }

    init(addr: String, _ d: DecodedAdvertisement) {
        self.init(addr: addr, formats: d.formats.names, error: d.error?.description)
        if let b = d.bthome {
            bthome = BTHome(
                encrypted: b.encrypted,
                objects: b.objects.map {
                    .init(
                        id: Int($0.id), value: $0.value,
                        text: b.bytes(of: $0).map { String(decoding: $0, as: UTF8.self) })
                },
                counter: b.counter, stopped_at_unknown_id: b.stoppedAtUnknownID.map(Int.init))
        }
        if let i = d.ibeacon {
            ibeacon = IBeaconJSON(uuid: Hex.encode(i.uuid), major: Int(i.major), minor: Int(i.minor), power: Int(i.measuredPower))
        }
        switch d.canary {
        case .gas(let g):
            let names: [(CanaryProfile.GasStatus.Flags, String)] = [
                (.sos, "sos"), (.deviceFall, "device-fall"), (.deviceNoMotion, "device-no-motion"),
                (.sensorFault, "sensor-fault"), (.overRange, "over-range"), (.charging, "charging"),
            ]
            canary = Canary(
                frame: "gas", sequence: Int(g.sequence), o2: g.o2, co: g.co, h2s: g.h2s, lel: g.lel,
                battery: g.battery, flags: names.filter { g.flags.contains($0.0) }.map(\.1),
                motion_g: g.motionG)
        case .position(let p):
            canary = Canary(
                frame: "position", sequence: Int(p.sequence), battery: p.battery,
                x: p.x, y: p.y, floor: p.floor, accuracy: p.accuracy)
        case nil:
            break
        }
        name = d.name
        tx_power = d.txPower.map(Int.init)
        uuids = d.uuids16.isEmpty ? nil : d.uuids16.map { Hex.encode([UInt8($0 >> 8), UInt8($0 & 0xFF)]) }
        manufacturer = d.manufacturerCompany.map(Int.init)
    }

    private enum CodingKeys: String, CodingKey {
        case addr, formats, error, bthome, ibeacon, canary, name, tx_power, uuids, manufacturer
        case time_us, kind, rssi, event_type, extended, handle, connection, value
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(addr, forKey: .addr)
        try c.encode(formats, forKey: .formats)
        try c.encode(error, forKey: .error)  // null when decoding succeeded
        try c.encodeIfPresent(bthome, forKey: .bthome)
        try c.encodeIfPresent(ibeacon, forKey: .ibeacon)
        try c.encodeIfPresent(canary, forKey: .canary)
        try c.encodeIfPresent(name, forKey: .name)
        try c.encodeIfPresent(tx_power, forKey: .tx_power)
        try c.encodeIfPresent(uuids, forKey: .uuids)
        try c.encodeIfPresent(manufacturer, forKey: .manufacturer)
        try c.encodeIfPresent(time_us, forKey: .time_us)
        try c.encodeIfPresent(kind, forKey: .kind)
        try c.encodeIfPresent(rssi, forKey: .rssi)
        try c.encodeIfPresent(event_type, forKey: .event_type)
        try c.encodeIfPresent(extended, forKey: .extended)
        try c.encodeIfPresent(handle, forKey: .handle)
        try c.encodeIfPresent(connection, forKey: .connection)
        try c.encodeIfPresent(value, forKey: .value)
    }
}
