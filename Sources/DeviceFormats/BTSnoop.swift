/// Reads btsnoop captures (what `btmon -w` and Android's HCI snoop log
/// write): a 16-byte header ("btsnoop\0", version 1, datalink), then records
/// of original length, included length, flags, cumulative drops (all
/// big-endian uint32), a big-endian int64 timestamp in microseconds since
/// 0000-01-01, and the packet.
///
/// Datalinks: 1002 (HCI UART, H4: each packet starts with its type byte) and
/// 2001 (the Linux monitor format: the opcode is in the flags).
public struct BTSnoopReader: Sendable {
    public struct Record: Sendable, Equatable {
        /// Unix time in microseconds.
        public var timeUs: Int64
        public var item: HCIItem
    }

    public enum Datalink: UInt32, Sendable {
        case h4 = 1002
        case monitor = 2001
    }

    /// Microseconds from 0000-01-01 to 1970-01-01 as btsnoop counts them
    /// (BlueZ src/shared/btsnoop.c: 0x00E03AB44A676000 is 2000-01-01).
    static let epochDeltaUs: Int64 = 0x00E0_3AB4_4A67_6000 - 946_684_800 * 1_000_000

    public let datalink: Datalink
    private let bytes: [UInt8]
    private var offset = 16
    private var acl = ACLReassembler()
    private var queue: [Record] = []
    /// Records whose HCI packet was malformed: skipped and counted, the rest go on.
    public private(set) var rejections = RejectionCounter()
    public private(set) var recordCount = 0

    public init(bytes: [UInt8]) throws(DecodeError) {
        guard bytes.count >= 16 else { throw .truncated("btsnoop header") }
        guard bytes.prefix(8).elementsEqual(Array("btsnoop\0".utf8)) else { throw .unsupported("not a btsnoop file") }
        let (version, link) = try ByteReader.read(bytes[8..<16]) { (r: inout ByteReader) throws(DecodeError) in
            (try r.u32BE("version"), try r.u32BE("datalink"))
        }
        guard version == 1 else { throw .unsupported("btsnoop version \(version)") }
        guard let datalink = Datalink(rawValue: link) else { throw .unsupported("btsnoop datalink \(link)") }
        self.datalink = datalink
        self.bytes = bytes
    }

    /// The next advertising report or notification; nil at the end. A record
    /// cut short at the end of the file throws (after everything before it).
    public mutating func next() throws(DecodeError) -> Record? {
        while queue.isEmpty {
            guard offset < bytes.count else { return nil }
            guard bytes.count - offset >= 24 else { throw .truncated("btsnoop record header at byte \(offset)") }
            let (flags, ts, packetRange) = try ByteReader.read(bytes[offset...]) { (r: inout ByteReader) throws(DecodeError) in
                _ = try r.u32BE("original length")
                let included = Int(try r.u32BE("included length"))
                let flags = try r.u32BE("flags")
                _ = try r.u32BE("drops")
                let ts = Int64(bitPattern: UInt64(try r.u32BE("timestamp")) << 32 | UInt64(try r.u32BE("timestamp")))
                return (flags, ts, try r.take(included, "btsnoop packet").range)
            }
            let packet = bytes[packetRange]
            offset = packetRange.upperBound
            recordCount += 1
            do {
                for item in try items(packet, flags: flags) {
                    queue.append(Record(timeUs: ts - Self.epochDeltaUs, item: item))
                }
            } catch {
                rejections.count(error)
            }
        }
        return queue.removeFirst()
    }

    private mutating func items(_ packet: ArraySlice<UInt8>, flags: UInt32) throws(DecodeError) -> [HCIItem] {
        let isEvent: Bool, isACL: Bool
        var body = packet
        switch datalink {
        case .h4:
            guard let type = packet.first else { throw .truncated("H4 packet type") }
            isEvent = type == 0x04
            isACL = type == 0x02
            body = packet.dropFirst()
        case .monitor:
            let opcode = flags & 0xFFFF
            isEvent = opcode == 3
            isACL = opcode == 4 || opcode == 5
        }
        if isEvent { return try HCIEvent.advertisingReports(body).map { .advertisingReport($0) } }
        if isACL, let n = try acl.add(body) { return [.notification(n)] }
        return []
    }
}
