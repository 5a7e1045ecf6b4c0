import DeviceFormats
import Foundation

/// A GATT client on one ATT connection (Core Spec Vol 3 Part G §4): MTU
/// exchange, discovery of services, characteristics and their configuration
/// descriptors (no fixed handles: a firmware update may move them), enabling
/// notifications, writes and the notifications themselves.
///
/// ATT allows one outstanding request; notifications that arrive while a
/// request waits are kept for ``nextNotification(timeoutMs:)``. A PDU that
/// does not decode is counted; as the answer to a request it is an error,
/// which ends the connection (the caller reconnects).
public final class GATTClient: @unchecked Sendable {
    public struct Characteristic: Sendable, Equatable {
        public var uuid: BLEUUID
        public var properties: UInt8
        public var valueHandle: UInt16
        /// The Client Characteristic Configuration descriptor, when it has one.
        public var configurationHandle: UInt16?
    }

    public let socket: ATTSocket
    public private(set) var mtu = ATTPDU.defaultMTU
    public private(set) var characteristics: [Characteristic] = []
    /// PDUs from the peer that did not decode.
    public private(set) var malformed = 0
    public var timeoutMs: Int32

    private var early: [(handle: UInt16, value: [UInt8])] = []

    public init(socket: ATTSocket, timeoutMs: Int32 = 5_000) {
        self.socket = socket
        self.timeoutMs = timeoutMs
    }

    func failure(_ what: String) -> BlueZError { BlueZError("GATT \(what) with \(BDAddress.string(socket.peer))", code: EPROTO) }

    /// Sends a request and returns its response (an error response included).
    func request(_ pdu: ATTPDU) throws(BlueZError) -> ATTPDU {
        try socket.send(pdu.encode())
        let deadline = Date().addingTimeInterval(Double(timeoutMs) / 1000)
        while true {
            let left = Int32(deadline.timeIntervalSinceNow * 1000)
            guard left > 0, let bytes = try socket.receive(timeoutMs: left) else {
                throw BlueZError("GATT request 0x\(String(pdu.opcode, radix: 16)) to \(BDAddress.string(socket.peer))", code: ETIMEDOUT)
            }
            let reply: ATTPDU
            do {
                reply = try ATTPDU.decode(bytes[...])
            } catch {
                malformed += 1
                throw failure("reply \(error)")
            }
            switch reply {
            case .notification(let handle, let value): early.append((handle, value))
            case .indication(let handle, let value):
                early.append((handle, value))
                try socket.send(ATTPDU.confirmation.encode())
            case .error(let request, _, _) where request == pdu.opcode: return reply
            default:
                guard reply.opcode == pdu.opcode + 1 else {
                    throw failure("reply 0x\(String(reply.opcode, radix: 16)) to 0x\(String(pdu.opcode, radix: 16))")
                }
                return reply
            }
        }
    }

    /// Asks for a larger ATT_MTU (more motion samples per notification).
    public func exchangeMTU(_ wanted: UInt16 = ATTPDU.preferredMTU) throws(BlueZError) {
        switch try request(.exchangeMTURequest(wanted)) {
        case .exchangeMTUResponse(let server): mtu = max(ATTPDU.defaultMTU, min(wanted, server))
        default: break  // an error response: the default MTU stays
        }
    }

    /// Discovers every primary service, its characteristics and their CCCDs.
    public func discover() throws(BlueZError) {
        var services: [(start: UInt16, end: UInt16)] = []
        var start: UInt16 = 1
        while true {
            guard case .readByGroupTypeResponse(let groups) = try request(.readByGroupTypeRequest(start: start, end: 0xFFFF, type: .primaryService)),
                let last = groups.last
            else { break }
            services += groups.map { ($0.handle, $0.end) }
            guard last.end < 0xFFFF, last.end >= start else { break }
            start = last.end + 1
        }
        var found: [Characteristic] = []
        var ends: [UInt16] = []  // the last handle each characteristic's descriptors may use
        for service in services {
            var from = service.start
            var declarations: [(handle: UInt16, c: Characteristic)] = []
            while from <= service.end {
                guard case .readByTypeResponse(let items) = try request(.readByTypeRequest(start: from, end: service.end, type: .characteristic)),
                    let last = items.last
                else { break }
                for item in items {
                    guard item.value.count == 5 || item.value.count == 19 else {
                        throw failure("characteristic declaration of \(item.value.count) bytes")
                    }
                    let uuid: BLEUUID
                    do { uuid = try BLEUUID(wire: item.value[3...]) } catch { throw failure("characteristic UUID") }
                    declarations.append(
                        (
                            item.handle,
                            Characteristic(
                                uuid: uuid, properties: item.value[0],
                                valueHandle: UInt16(item.value[1]) | UInt16(item.value[2]) << 8)
                        ))
                }
                guard last.handle < service.end else { break }
                from = last.handle + 1
            }
            for (k, d) in declarations.enumerated() {
                found.append(d.c)
                ends.append(k + 1 < declarations.count ? declarations[k + 1].handle - 1 : service.end)
            }
        }
        for k in found.indices where found[k].properties & (GATTServer.Characteristic.notify | GATTServer.Characteristic.indicate) != 0 {
            var from = found[k].valueHandle + 1
            while from <= ends[k], found[k].configurationHandle == nil {
                guard case .findInformationResponse(let items) = try request(.findInformationRequest(start: from, end: ends[k])),
                    let last = items.last
                else { break }
                found[k].configurationHandle = items.first { $0.uuid == .clientCharacteristicConfiguration }?.handle
                guard last.handle < ends[k] else { break }
                from = last.handle + 1
            }
        }
        characteristics = found
    }

    public func characteristic(_ uuid: BLEUUID) -> Characteristic? { characteristics.first { $0.uuid == uuid } }

    /// Enables notifications of a discovered characteristic.
    public func subscribe(_ uuid: BLEUUID) throws(BlueZError) {
        guard let c = characteristic(uuid), let cccd = c.configurationHandle else { throw failure("no notifiable characteristic \(uuid)") }
        try write(handle: cccd, [0x01, 0x00])
    }

    /// Reads a characteristic's value: up to MTU − 1 bytes, enough for the short values
    /// Canary reads (the sleep summary is 11), so no Read Blob is needed.
    public func read(_ uuid: BLEUUID) throws(BlueZError) -> [UInt8] {
        guard let c = characteristic(uuid) else { throw failure("no characteristic \(uuid)") }
        switch try request(.readRequest(c.valueHandle)) {
        case .readResponse(let value): return value
        case .error(_, _, let code): throw failure("read of handle \(c.valueHandle) refused (ATT error 0x\(String(code, radix: 16)))")
        default: throw failure("read of handle \(c.valueHandle) answered by something else")
        }
    }

    /// Writes a characteristic's value and waits for the server's acknowledgement.
    public func write(_ uuid: BLEUUID, _ value: [UInt8]) throws(BlueZError) {
        guard let c = characteristic(uuid) else { throw failure("no characteristic \(uuid)") }
        try write(handle: c.valueHandle, value)
    }

    func write(handle: UInt16, _ value: [UInt8]) throws(BlueZError) {
        let reply = try request(.writeRequest(handle: handle, value: value))
        if case .error(_, _, let code) = reply { throw failure("write to handle \(handle) refused (ATT error 0x\(String(code, radix: 16)))") }
    }

    /// The next notification or indication (confirmed), or nil when none
    /// comes within `timeoutMs`. Malformed PDUs are counted and skipped.
    public func nextNotification(timeoutMs: Int32) throws(BlueZError) -> (characteristic: Characteristic?, value: [UInt8])? {
        func named(_ n: (handle: UInt16, value: [UInt8])) -> (Characteristic?, [UInt8]) {
            (characteristics.first { $0.valueHandle == n.handle }, n.value)
        }
        if !early.isEmpty { return named(early.removeFirst()) }
        let deadline = Date().addingTimeInterval(Double(timeoutMs) / 1000)
        while true {
            let left = Int32(deadline.timeIntervalSinceNow * 1000)
            guard left > 0, let bytes = try socket.receive(timeoutMs: left) else { return nil }
            switch try? ATTPDU.decode(bytes[...]) {
            case .notification(let handle, let value)?: return named((handle, value))
            case .indication(let handle, let value)?:
                try socket.send(ATTPDU.confirmation.encode())
                return named((handle, value))
            case nil: malformed += 1
            case let other?:
                // A request from the server side (GATT is symmetric): not supported here.
                if let answer = GATTServer.notSupported(opcode: other.opcode), other.opcode & 0x01 == 0 { try socket.send(answer.encode()) }
            }
        }
    }
}
