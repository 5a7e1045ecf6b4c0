import CBluetooth
import DeviceFormats
import Foundation

/// A local Bluetooth controller (`hci0`), found by name or address, and the
/// raw HCI sockets to drive it. Bringing it up or resetting it needs
/// CAP_NET_ADMIN; raw sockets need CAP_NET_RAW.
public struct HCIAdapter: Sendable, Equatable {
    public let id: Int32

    /// `name`: `hci0`, or the adapter's address `AA:BB:CC:DD:EE:FF`. The
    /// adapter may be down (libbluetooth's `hci_devid` finds only adapters that are up).
    public init(_ name: String) throws(BlueZError) {
        if name.hasPrefix("hci"), let n = Int32(name.dropFirst(3)), n >= 0 {
            var info = hci_dev_info()
            guard hci_devinfo(n, &info) == 0 else { throw BlueZError("adapter \(name)", code: errno == 0 ? ENODEV : errno) }
            id = n
            return
        }
        guard let wanted = BDAddress.parse(name) else {
            throw BlueZError("adapter '\(name)' (a name like hci0 or an address like AA:BB:CC:DD:EE:FF)", code: EINVAL)
        }
        for n in Int32(0)..<Int32(HCI_MAX_DEV) {
            var info = hci_dev_info()
            guard hci_devinfo(n, &info) == 0 else { continue }
            if withUnsafeBytes(of: info.bdaddr.b, { Array($0.reversed()) }) == wanted {
                id = n
                return
            }
        }
        throw BlueZError("adapter \(name)", code: ENODEV)
    }

    /// The controller's address, big-endian as written (`AA:BB:…` → `[0xAA, 0xBB, …]`).
    public func address() throws(BlueZError) -> [UInt8] {
        var info = hci_dev_info()
        guard hci_devinfo(id, &info) == 0 else { throw BlueZError("address of \(name)") }
        return withUnsafeBytes(of: info.bdaddr.b) { Array($0.reversed()) }
    }

    public var name: String { "hci\(id)" }

    /// Brings the adapter up; already up is fine.
    public func up() throws(BlueZError) {
        try control("bring \(name) up") { canary_hci_dev_up($0, id) == 0 || errno == EALREADY }
    }

    public func down() throws(BlueZError) {
        try control("take \(name) down") { canary_hci_dev_down($0, id) == 0 }
    }

    /// Resets the controller (HCIDEVRESET): the watchdog's remedy for an adapter that went quiet.
    public func reset() throws(BlueZError) {
        try control("reset \(name)") { canary_hci_dev_reset($0, id) == 0 }
        try up()
    }

    /// A raw HCI socket bound to this adapter.
    public func open() throws(BlueZError) -> HCISocket {
        let fd = hci_open_dev(id)
        guard fd >= 0 else { throw BlueZError("open a raw HCI socket on \(name)") }
        return HCISocket(fd: fd, adapter: self)
    }

    private func control(_ operation: String, _ call: (Int32) -> Bool) throws(BlueZError) {
        let ctl = socket(AF_BLUETOOTH, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), BTPROTO_HCI)
        guard ctl >= 0 else { throw BlueZError(operation) }
        defer { close(ctl) }
        guard call(ctl) else { throw BlueZError(operation) }
    }
}
