/// A Bluetooth UUID as GATT uses them: a SIG 16-bit one, or 128 bits (Core
/// Spec Vol 3 Part B §2.5.1). On the ATT wire both are little-endian.
public enum BLEUUID: Hashable, Sendable, CustomStringConvertible {
    case short(UInt16)
    /// 16 bytes, big-endian as written (`6e0f0001-…` → `[0x6e, 0x0f, …]`).
    case long([UInt8])

    /// Canary's characteristics (docs/devices.md): `6e0fXXXX-8c3b-4b8e-9f5a-63616e617279`.
    public static func canary(_ short: UInt16) -> BLEUUID { .long(CanaryProfile.uuid(short)) }

    /// What the agent knows a characteristic by: a SIG UUID's 16 bits, a Canary
    /// UUID's short id; nil for anything else.
    public var shortID: UInt16? {
        switch self {
        case .short(let v): return v
        case .long(let b):
            let id = UInt16(b[2]) << 8 | UInt16(b[3])
            return b == CanaryProfile.uuid(id) ? id : nil
        }
    }

    public var wire: [UInt8] {
        switch self {
        case .short(let v): [UInt8(v & 0xFF), UInt8(v >> 8)]
        case .long(let b): b.reversed()
        }
    }

    /// From 2 or 16 little-endian bytes.
    public init(wire: ArraySlice<UInt8>) throws(DecodeError) {
        switch wire.count {
        case 2: self = .short(UInt16(wire[wire.startIndex]) | UInt16(wire[wire.startIndex + 1]) << 8)
        case 16: self = .long(wire.reversed())
        default: throw .badLength("UUID of \(wire.count) bytes")
        }
    }

    public var description: String {
        switch self {
        case .short(let v): return Hex.encode([UInt8(v >> 8), UInt8(v & 0xFF)])
        case .long(let b):
            let h = Hex.encode(b)
            let i = h.startIndex
            func at(_ n: Int) -> String.Index { h.index(i, offsetBy: n) }
            return [h[i..<at(8)], h[at(8)..<at(12)], h[at(12)..<at(16)], h[at(16)..<at(20)], h[at(20)...]].joined(separator: "-")
        }
    }

    public static let primaryService = BLEUUID.short(0x2800)
    public static let characteristic = BLEUUID.short(0x2803)
    public static let clientCharacteristicConfiguration = BLEUUID.short(0x2902)
}

/// One ATT protocol data unit (Core Spec Vol 3 Part F §3.4): what a GATT
/// client and server say to each other on the LE ATT channel (L2CAP CID 4).
/// Decoding is total: any bytes give a PDU or a ``DecodeError``.
public enum ATTPDU: Equatable, Sendable {
    case error(request: UInt8, handle: UInt16, code: UInt8)
    case exchangeMTURequest(UInt16)
    case exchangeMTUResponse(UInt16)
    case findInformationRequest(start: UInt16, end: UInt16)
    case findInformationResponse([(handle: UInt16, uuid: BLEUUID)])
    case readByTypeRequest(start: UInt16, end: UInt16, type: BLEUUID)
    /// Attribute handle and value; every value of one response has the same length.
    case readByTypeResponse([(handle: UInt16, value: [UInt8])])
    case readRequest(UInt16)
    case readResponse([UInt8])
    case readByGroupTypeRequest(start: UInt16, end: UInt16, type: BLEUUID)
    case readByGroupTypeResponse([(handle: UInt16, end: UInt16, value: [UInt8])])
    case writeRequest(handle: UInt16, value: [UInt8])
    case writeResponse
    case writeCommand(handle: UInt16, value: [UInt8])
    case notification(handle: UInt16, value: [UInt8])
    case indication(handle: UInt16, value: [UInt8])
    case confirmation

    /// Error codes (§3.4.1.1) the project uses.
    public static let invalidHandle: UInt8 = 0x01
    public static let requestNotSupported: UInt8 = 0x06
    public static let attributeNotFound: UInt8 = 0x0A
    public static let unlikelyError: UInt8 = 0x0E

    /// The default ATT_MTU of LE (§3.2.8) and the largest this project asks for.
    public static let defaultMTU: UInt16 = 23
    public static let preferredMTU: UInt16 = 247

    public var opcode: UInt8 {
        switch self {
        case .error: 0x01
        case .exchangeMTURequest: 0x02
        case .exchangeMTUResponse: 0x03
        case .findInformationRequest: 0x04
        case .findInformationResponse: 0x05
        case .readByTypeRequest: 0x08
        case .readByTypeResponse: 0x09
        case .readRequest: 0x0A
        case .readResponse: 0x0B
        case .readByGroupTypeRequest: 0x10
        case .readByGroupTypeResponse: 0x11
        case .writeRequest: 0x12
        case .writeResponse: 0x13
        case .writeCommand: 0x52
        case .notification: 0x1B
        case .indication: 0x1D
        case .confirmation: 0x1E
        }
    }

    public static func == (a: ATTPDU, b: ATTPDU) -> Bool { a.encode() == b.encode() }

    public func encode() -> [UInt8] {
        func le(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
        var out: [UInt8] = [opcode]
        switch self {
        case .error(let request, let handle, let code): out += [request] + le(handle) + [code]
        case .exchangeMTURequest(let mtu), .exchangeMTUResponse(let mtu): out += le(mtu)
        case .findInformationRequest(let start, let end): out += le(start) + le(end)
        case .findInformationResponse(let items):
            let format: UInt8 = items.first.map { $0.uuid.wire.count == 2 ? 0x01 : 0x02 } ?? 0x01
            out.append(format)
            for i in items { out += le(i.handle) + i.uuid.wire }
        case .readByTypeRequest(let start, let end, let type), .readByGroupTypeRequest(let start, let end, let type):
            out += le(start) + le(end) + type.wire
        case .readByTypeResponse(let items):
            out.append(UInt8(2 + (items.first?.value.count ?? 0)))
            for i in items { out += le(i.handle) + i.value }
        case .readRequest(let handle): out += le(handle)
        case .readResponse(let value): out += value
        case .readByGroupTypeResponse(let items):
            out.append(UInt8(4 + (items.first?.value.count ?? 0)))
            for i in items { out += le(i.handle) + le(i.end) + i.value }
        case .writeRequest(let handle, let value), .writeCommand(let handle, let value),
            .notification(let handle, let value), .indication(let handle, let value):
            out += le(handle) + value
        case .writeResponse, .confirmation: break
        }
        return out
    }

    public static func decode(_ pdu: ArraySlice<UInt8>) throws(DecodeError) -> ATTPDU {
        try ByteReader.read(pdu) { (r: inout ByteReader) throws(DecodeError) -> ATTPDU in
            let opcode = try r.u8("ATT opcode")
            /// Fixed-size PDUs must have no bytes left over.
            func end(_ p: ATTPDU) throws(DecodeError) -> ATTPDU {
                guard r.isAtEnd else { throw .badLength("ATT opcode 0x\(String(opcode, radix: 16)): \(r.remaining) extra bytes") }
                return p
            }
            switch opcode {
            case 0x01:
                return try end(
                    .error(
                        request: try r.u8("ATT request opcode"), handle: try r.u16LE("ATT handle"),
                        code: try r.u8("ATT error code")))
            case 0x02: return try end(.exchangeMTURequest(try r.u16LE("ATT MTU")))
            case 0x03: return try end(.exchangeMTUResponse(try r.u16LE("ATT MTU")))
            case 0x04:
                return try end(.findInformationRequest(start: try r.u16LE("ATT start handle"), end: try r.u16LE("ATT end handle")))
            case 0x05:
                let format = try r.u8("ATT information format")
                guard format == 1 || format == 2 else { throw .unsupported("ATT information format \(format)") }
                let size = format == 1 ? 2 : 16
                var items: [(handle: UInt16, uuid: BLEUUID)] = []
                repeat {
                    let handle = try r.u16LE("ATT handle")
                    items.append((handle, try BLEUUID(wire: pdu[try r.take(size, "ATT UUID").range])))
                } while !r.isAtEnd
                return .findInformationResponse(items)
            case 0x08, 0x10:
                let start = try r.u16LE("ATT start handle"), last = try r.u16LE("ATT end handle")
                let type = try BLEUUID(wire: pdu[r.rest().range])
                return opcode == 0x08
                    ? .readByTypeRequest(start: start, end: last, type: type)
                    : .readByGroupTypeRequest(start: start, end: last, type: type)
            case 0x09:
                let length = Int(try r.u8("ATT pair length"))
                guard length > 2 else { throw .badLength("ATT read-by-type pairs of \(length) bytes") }
                guard r.remaining > 0, r.remaining % length == 0 else { throw .badLength("ATT read-by-type data of \(r.remaining) bytes") }
                var items: [(handle: UInt16, value: [UInt8])] = []
                while !r.isAtEnd { items.append((try r.u16LE("ATT handle"), try r.take(length - 2, "ATT value").bytes)) }
                return .readByTypeResponse(items)
            case 0x0A: return try end(.readRequest(try r.u16LE("ATT handle")))
            case 0x0B: return .readResponse(r.rest().bytes)
            case 0x11:
                let length = Int(try r.u8("ATT group length"))
                guard length > 4 else { throw .badLength("ATT read-by-group-type entries of \(length) bytes") }
                guard r.remaining > 0, r.remaining % length == 0 else { throw .badLength("ATT read-by-group-type data of \(r.remaining) bytes") }
                var items: [(handle: UInt16, end: UInt16, value: [UInt8])] = []
                while !r.isAtEnd {
                    items.append((try r.u16LE("ATT handle"), try r.u16LE("ATT group end"), try r.take(length - 4, "ATT value").bytes))
                }
                return .readByGroupTypeResponse(items)
            case 0x12, 0x52, 0x1B, 0x1D:
                let handle = try r.u16LE("ATT handle")
                let value = r.rest().bytes
                switch opcode {
                case 0x12: return .writeRequest(handle: handle, value: value)
                case 0x52: return .writeCommand(handle: handle, value: value)
                case 0x1B: return .notification(handle: handle, value: value)
                default: return .indication(handle: handle, value: value)
                }
            case 0x13: return try end(.writeResponse)
            case 0x1E: return try end(.confirmation)
            default: throw .unsupported("ATT opcode 0x\(String(opcode, radix: 16))")
            }
        }
    }
}
