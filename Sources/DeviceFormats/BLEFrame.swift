/// What a BLE source delivers to the agent, whatever the source: the live
/// BlueZ stack, a btsnoop replay or the worksite simulator.
public struct BLEFrame: Sendable, Equatable {
    public enum Payload: Sendable, Equatable {
        /// Advertising data (AD structures).
        case advertisement([UInt8])
        /// A GATT characteristic's value, by its 16-bit UUID (Canary
        /// characteristics by their short id, e.g. 0x0002 motion): as notified,
        /// or for a read-only one (0x0005 sleep summary) as read on connecting.
        case notification(characteristic: UInt16, value: [UInt8])
    }

    /// Unix time in milliseconds when the gateway received it.
    public var timeMs: Int64
    /// Big-endian as written.
    public var address: [UInt8]
    public var rssi: Int8?
    public var payload: Payload

    public init(timeMs: Int64, address: [UInt8], rssi: Int8? = nil, payload: Payload) {
        self.timeMs = timeMs
        self.address = address
        self.rssi = rssi
        self.payload = payload
    }
}
