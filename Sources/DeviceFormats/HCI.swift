/// What Canary takes from the HCI traffic between host and controller: LE
/// advertising reports (HCI LE Meta event, Core Spec Vol 4 Part E §7.7.65)
/// and ATT notifications carried in ACL data (Vol 3 Part F §3.4.7).
public struct AdvertisingReport: Sendable, Equatable {
    /// Legacy: ADV_IND 0, ADV_DIRECT_IND 1, ADV_SCAN_IND 2, ADV_NONCONN_IND 3,
    /// SCAN_RSP 4. Extended: the event-type bit field.
    public var eventType: UInt16
    public var extended: Bool
    public var addressType: UInt8
    /// Big-endian as written.
    public var address: [UInt8]
    /// dBm; nil when the controller reports 127 ("not available").
    public var rssi: Int8?
    public var data: ArraySlice<UInt8>
}

public struct ATTNotification: Sendable, Equatable {
    public var connectionHandle: UInt16
    public var attributeHandle: UInt16
    public var value: ArraySlice<UInt8>
    /// A Handle Value Indication (acknowledged) rather than a Notification.
    public var indication: Bool
}

public enum HCIItem: Sendable, Equatable {
    case advertisingReport(AdvertisingReport)
    case notification(ATTNotification)
}

public enum HCIEvent {
    static let leMeta: UInt8 = 0x3E
    static let leAdvertisingReport: UInt8 = 0x02
    static let leExtendedAdvertisingReport: UInt8 = 0x0D

    /// Advertising reports in an HCI event packet (event code, length, parameters);
    /// other events yield none.
    public static func advertisingReports(_ packet: ArraySlice<UInt8>) throws(DecodeError) -> [AdvertisingReport] {
        try ByteReader.read(packet) { (r: inout ByteReader) throws(DecodeError) in
            let code = try r.u8("event code")
            let length = Int(try r.u8("event length"))
            guard length == r.remaining else { throw .badLength("event parameters: says \(length), has \(r.remaining)") }
            guard code == leMeta else { return [] }
            let sub = try r.u8("LE subevent")
            guard sub == leAdvertisingReport || sub == leExtendedAdvertisingReport else { return [] }
            let count = Int(try r.u8("number of reports"))
            var out: [AdvertisingReport] = []
            out.reserveCapacity(count)
            for _ in 0..<count {
                if sub == leAdvertisingReport {
                    let type = try r.u8("event type")
                    let addrType = try r.u8("address type")
                    let addr = BDAddress.fromHCI(try r.take(6, "address").bytes[...])
                    let n = Int(try r.u8("data length"))
                    guard n <= 31 else { throw .badLength("legacy advertising data of \(n) bytes") }
                    let data = packet[try r.take(n, "advertising data").range]
                    let rssi = try r.i8("RSSI")
                    out.append(
                        AdvertisingReport(
                            eventType: UInt16(type), extended: false, addressType: addrType,
                            address: addr, rssi: rssi == 127 ? nil : rssi, data: data))
                } else {
                    let type = try r.u16LE("event type")
                    let addrType = try r.u8("address type")
                    let addr = BDAddress.fromHCI(try r.take(6, "address").bytes[...])
                    try r.skip(4, "PHYs, SID, TX power")
                    let rssi = try r.i8("RSSI")
                    try r.skip(9, "periodic interval, direct address")
                    let n = Int(try r.u8("data length"))
                    let data = packet[try r.take(n, "advertising data").range]
                    out.append(
                        AdvertisingReport(
                            eventType: type, extended: true, addressType: addrType,
                            address: addr, rssi: rssi == 127 ? nil : rssi, data: data))
                }
            }
            return out
        }
    }
}

/// Reassembles ACL fragments into L2CAP frames and picks out ATT
/// notifications and indications on the fixed ATT channel (CID 0x0004).
public struct ACLReassembler: Sendable {
    private var partial: [UInt16: [UInt8]] = [:]

    public init() {}

    /// One ACL data packet (handle + flags, length, data), without the H4 type byte.
    public mutating func add(_ packet: ArraySlice<UInt8>) throws(DecodeError) -> ATTNotification? {
        let (handle, boundary, fragment) = try ByteReader.read(packet) { (r: inout ByteReader) throws(DecodeError) in
            let word = try r.u16LE("ACL handle")
            let length = Int(try r.u16LE("ACL length"))
            guard length == r.remaining else { throw .badLength("ACL data: says \(length), has \(r.remaining)") }
            return (word & 0x0FFF, (word >> 12) & 0x3, packet[r.range])
        }
        var frame: [UInt8]
        if boundary == 0b01 {  // continuation
            guard var buffer = partial[handle] else { throw .unsupported("ACL continuation without a start") }
            buffer += fragment
            frame = buffer
        } else {
            frame = Array(fragment)
        }
        guard frame.count >= 4 else {
            partial[handle] = frame
            return nil
        }
        let l2capLength = Int(frame[0]) | Int(frame[1]) << 8
        if frame.count < l2capLength + 4 {
            partial[handle] = frame
            return nil
        }
        partial[handle] = nil
        guard frame.count == l2capLength + 4 else { throw .badLength("L2CAP frame longer than its length field") }
        let cid = UInt16(frame[2]) | UInt16(frame[3]) << 8
        guard cid == 0x0004, l2capLength >= 3 else { return nil }
        let opcode = frame[4]
        guard opcode == 0x1B || opcode == 0x1D else { return nil }
        let attHandle = UInt16(frame[5]) | UInt16(frame[6]) << 8
        return ATTNotification(
            connectionHandle: handle, attributeHandle: attHandle, value: frame[7...],
            indication: opcode == 0x1D)
    }
}
