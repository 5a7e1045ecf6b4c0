import CBluetooth
import Foundation

/// Advertising through HCI commands (Core spec Vol 4 Part E §7.8.4–9), for the
/// device simulator in peripheral mode: each advertisement goes out under its
/// own device's address, set as the controller's static random address, so one
/// adapter can play a whole worksite of wearables.
public final class LEAdvertiser: @unchecked Sendable {
    public let adapter: HCIAdapter
    private let socket: HCISocket
    private var current: (address: [UInt8], connectable: Bool)?

    public init(adapter: HCIAdapter) throws(BlueZError) {
        self.adapter = adapter
        try adapter.up()
        socket = try adapter.open()
    }

    /// Advertises `data` (AD structures, ≤ 31 bytes) as `address` (big-endian;
    /// a static random address, top two bits set, as the simulator's are);
    /// `connectable` for a device that serves GATT (ADV_IND, else ADV_NONCONN_IND).
    public func advertise(_ data: [UInt8], as address: [UInt8], connectable: Bool = false) throws(BlueZError) {
        guard data.count <= 31 else { throw BlueZError("advertising data of \(data.count) bytes (31 at most)", code: EMSGSIZE) }
        // Disabling when already disabled is refused by some controllers: not an error here.
        // A controller that does not answer is.
        do {
            try socket.command(ocf: 0x000A, [0x00], name: "disable advertising")
        } catch  where error.code == EIO {}
        if current?.address != address || current?.connectable != connectable {
            try socket.command(ocf: 0x0005, address.reversed(), name: "set random address")
            // 100 ms interval; ADV_IND or ADV_NONCONN_IND; own address random; all three channels.
            let type: UInt8 = connectable ? 0x00 : 0x03
            try socket.command(
                ocf: 0x0006, [0xA0, 0x00, 0xA0, 0x00, type, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0x07, 0x00],
                name: "set advertising parameters")
            current = (address, connectable)
        }
        try socket.command(
            ocf: 0x0008, [UInt8(data.count)] + data + [UInt8](repeating: 0, count: 31 - data.count),
            name: "set advertising data")
        try socket.command(ocf: 0x000A, [0x01], name: "enable advertising")
    }

    public func stop() {
        _ = try? socket.command(ocf: 0x000A, [0x00], name: "disable advertising")
    }
}
