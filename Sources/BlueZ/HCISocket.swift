import CBluetooth
import DeviceFormats
import Foundation

/// A raw HCI socket on one adapter: commands with their completion, and
/// events as they arrive. One reader at a time: `hci_send_req` reads the
/// reply on the same socket, so the scanner reads on a socket of its own.
public final class HCISocket: @unchecked Sendable {
    let fd: Int32
    public let adapter: HCIAdapter

    init(fd: Int32, adapter: HCIAdapter) {
        self.fd = fd
        self.adapter = adapter
    }

    deinit { close(fd) }

    /// OGF of the LE controller commands (Core spec Vol 4 Part E §7.8).
    public static let leController: UInt16 = 0x08

    /// Sends a command and waits for its Command Complete or Command Status.
    /// A controller that refuses it (a non-zero status) is an error.
    @discardableResult
    public func command(
        ogf: UInt16 = leController, ocf: UInt16, _ parameters: [UInt8], timeoutMs: Int32 = 2_000,
        name: String
    ) throws(BlueZError) -> [UInt8] {
        var reply = [UInt8](repeating: 0, count: 255)
        var parameters = parameters
        let rc = parameters.withUnsafeMutableBytes { p in
            reply.withUnsafeMutableBytes { r in
                var request = hci_request()
                request.ogf = ogf
                request.ocf = ocf
                request.cparam = p.baseAddress
                request.clen = Int32(p.count)
                request.rparam = r.baseAddress
                request.rlen = Int32(r.count)
                let sent = hci_send_req(fd, &request, timeoutMs)
                return sent < 0 ? -1 : Int(request.rlen)
            }
        }
        guard rc >= 0 else { throw BlueZError(name) }
        guard rc == 0 || reply[0] == 0 else {
            throw BlueZError("\(name) (controller status 0x\(String(reply[0], radix: 16)))", code: EIO)
        }
        return Array(reply.prefix(rc))
    }

    /// Only LE meta events (advertising reports and the like) reach `readEvent`.
    public func filterLEMetaEvents() throws(BlueZError) {
        var filter = hci_filter()
        hci_filter_clear(&filter)
        hci_filter_set_ptype(Int32(HCI_EVENT_PKT), &filter)
        hci_filter_set_event(Int32(EVT_LE_META_EVENT), &filter)
        guard setsockopt(fd, SOL_HCI, HCI_FILTER, &filter, socklen_t(MemoryLayout<hci_filter>.size)) == 0 else {
            throw BlueZError("set the HCI event filter")
        }
    }

    /// The next HCI event packet (event code, length, parameters), or nil when
    /// none arrives within `timeoutMs`.
    public func readEvent(timeoutMs: Int32) throws(BlueZError) -> [UInt8]? {
        guard try readable(fd, timeoutMs: timeoutMs, waitingFor: "HCI events on \(adapter.name)") else { return nil }
        var buffer = [UInt8](repeating: 0, count: Int(HCI_MAX_EVENT_SIZE) + 1)
        let n = read(fd, &buffer, buffer.count)
        guard n > 0 else {
            if n < 0, errno == EINTR || errno == EAGAIN { return nil }
            throw BlueZError("read HCI events on \(adapter.name)", code: n == 0 ? ENODEV : errno)
        }
        // The first byte is the packet type (HCI_EVENT_PKT), as in H4.
        guard buffer[0] == UInt8(HCI_EVENT_PKT) else { return [] }
        return Array(buffer[1..<n])
    }
}
