/// BTHome v2 object ids: size in bytes, signedness and factor (bthome.io/format).
/// Each id has a fixed size, which is what lets a packet be walked at all: an
/// id not in this table ends decoding of its packet (sizes past it are unknown).
struct BTHomeObjectSpec: Sendable {
    /// Value bytes; 0 where the spec defines no object with this id.
    var size: Int
    var signed: Bool
    var factor: Double
    /// Text (0x53) and raw (0x54): the first byte is the length that follows.
    var lengthPrefixed = false
    /// 10ⁿ when the factor is 10⁻ⁿ, else 0.
    private var divisor: Double = 0

    var isDefined: Bool { size > 0 || lengthPrefixed }

    static let undefined = BTHomeObjectSpec(size: 0, signed: false, factor: 1)

    init(size: Int, signed: Bool, factor: Double, lengthPrefixed: Bool = false) {
        self.size = size
        self.signed = signed
        self.factor = factor
        self.lengthPrefixed = lengthPrefixed
        let inverse = (1 / factor).rounded()
        if factor < 1 && abs(inverse * factor - 1) < 1e-12 { divisor = inverse }
    }

    /// raw × factor, computed as raw ÷ 10ⁿ for decimal factors so that 2506 × 0.01
    /// reads 25.06, not 25.060000000000002.
    @inline(__always)
    func scale(_ raw: Double) -> Double { divisor != 0 ? raw / divisor : raw * factor }
}

enum BTHomeObjects {
    static let packetID: UInt8 = 0x00
    static let battery: UInt8 = 0x01
    static let buttonEvent: UInt8 = 0x3A
    static let dimmerEvent: UInt8 = 0x3C

    /// Indexed by object id; ``BTHomeObjectSpec/undefined`` where the spec defines none.
    ///
    /// Built once and never freed or changed, so sharing it is safe. A pointer
    /// rather than an array: looking an object up then costs no reference
    /// counting, a quarter of a packet's decoding time when it was an array.
    nonisolated(unsafe) static let table: UnsafeBufferPointer<BTHomeObjectSpec> = {
        var t = [BTHomeObjectSpec](repeating: .undefined, count: 256)
        func u(_ id: Int, _ size: Int, _ factor: Double = 1) { t[id] = BTHomeObjectSpec(size: size, signed: false, factor: factor) }
        func s(_ id: Int, _ size: Int, _ factor: Double = 1) { t[id] = BTHomeObjectSpec(size: size, signed: true, factor: factor) }
        u(0x00, 1)  // packet id
        u(0x01, 1)  // battery %
        s(0x02, 2, 0.01)  // temperature °C
        u(0x03, 2, 0.01)  // humidity %
        u(0x04, 3, 0.01)  // pressure hPa
        u(0x05, 3, 0.01)  // illuminance lux
        u(0x06, 2, 0.01)  // mass kg
        u(0x07, 2, 0.01)  // mass lb
        s(0x08, 2, 0.01)  // dew point °C
        u(0x09, 1)  // count
        u(0x0A, 3, 0.001)  // energy kWh
        u(0x0B, 3, 0.01)  // power W
        u(0x0C, 2, 0.001)  // voltage V
        u(0x0D, 2)  // PM2.5 µg/m³
        u(0x0E, 2)  // PM10 µg/m³
        for id in 0x0F...0x2D { u(id, 1) }  // binary sensors (boolean, power, opening, … window)
        u(0x12, 2)  // CO2 ppm
        u(0x13, 2)  // TVOC µg/m³
        u(0x14, 2, 0.01)  // moisture %
        u(0x2E, 1)  // humidity % (uint8)
        u(0x2F, 1)  // moisture % (uint8)
        u(0x3A, 1)  // button event
        u(0x3C, 2)  // dimmer event (event, steps)
        u(0x3D, 2)  // count
        u(0x3E, 4)  // count
        s(0x3F, 2, 0.1)  // rotation °
        u(0x40, 2)  // distance mm
        u(0x41, 2, 0.1)  // distance m
        u(0x42, 3, 0.001)  // duration s
        u(0x43, 2, 0.001)  // current A
        u(0x44, 2, 0.01)  // speed m/s
        s(0x45, 2, 0.1)  // temperature °C
        u(0x46, 1, 0.1)  // UV index
        u(0x47, 2, 0.1)  // volume L
        u(0x48, 2)  // volume mL
        u(0x49, 2, 0.001)  // volume flow rate m³/h
        u(0x4A, 2, 0.1)  // voltage V
        u(0x4B, 3, 0.001)  // gas m³
        u(0x4C, 4, 0.001)  // gas m³
        u(0x4D, 4, 0.001)  // energy kWh
        u(0x4E, 4, 0.001)  // volume L
        u(0x4F, 4, 0.001)  // water L
        u(0x50, 4)  // timestamp s
        u(0x51, 2, 0.001)  // acceleration m/s²
        u(0x52, 2, 0.001)  // gyroscope °/s
        t[0x53] = BTHomeObjectSpec(size: 0, signed: false, factor: 1, lengthPrefixed: true)  // text
        t[0x54] = BTHomeObjectSpec(size: 0, signed: false, factor: 1, lengthPrefixed: true)  // raw
        u(0x55, 4, 0.001)  // volume storage L
        u(0x56, 2)  // conductivity µS/cm
        s(0x57, 1)  // temperature °C
        s(0x58, 1, 0.35)  // temperature °C
        s(0x59, 1)  // count
        s(0x5A, 2)  // count
        s(0x5B, 4)  // count
        s(0x5C, 4, 0.01)  // power W
        s(0x5D, 2, 0.001)  // current A
        u(0x5E, 2, 0.01)  // direction °
        u(0x5F, 2, 0.1)  // precipitation mm
        u(0x60, 1)  // channel
        u(0x61, 2)  // rotational speed rpm
        u(0xF0, 2)  // device type id
        u(0xF1, 4)  // firmware version (4 bytes)
        u(0xF2, 3)  // firmware version (3 bytes)
        let table = UnsafeMutableBufferPointer<BTHomeObjectSpec>.allocate(capacity: t.count)
        _ = table.initialize(from: t)
        return UnsafeBufferPointer(table)
    }()
}
