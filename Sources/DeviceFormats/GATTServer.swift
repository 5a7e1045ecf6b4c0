/// A GATT server's attribute table and how it answers ATT requests (Core Spec
/// Vol 3 Part G §3–4): what the device simulator serves in peripheral mode,
/// so that the agent's GATT client meets a real protocol peer. No I/O here.
public struct GATTServer: Sendable {
    public struct Characteristic: Sendable {
        public var uuid: BLEUUID
        public var properties: UInt8
        public var value: [UInt8]

        public init(_ uuid: BLEUUID, properties: UInt8, value: [UInt8] = []) {
            self.uuid = uuid
            self.properties = properties
            self.value = value
        }

        public static let read: UInt8 = 0x02
        public static let writeWithoutResponse: UInt8 = 0x04
        public static let write: UInt8 = 0x08
        public static let notify: UInt8 = 0x10
        public static let indicate: UInt8 = 0x20
    }

    public struct Service: Sendable {
        public var uuid: BLEUUID
        public var characteristics: [Characteristic]

        public init(_ uuid: BLEUUID, _ characteristics: [Characteristic]) {
            self.uuid = uuid
            self.characteristics = characteristics
        }
    }

    struct Attribute: Sendable {
        var handle: UInt16
        var type: BLEUUID
        var value: [UInt8]
        /// A service declaration's last handle.
        var groupEnd: UInt16 = 0
        var writable = false
    }

    private var attributes: [Attribute] = []
    /// Characteristic short id (``BLEUUID/shortID``) → value handle.
    public private(set) var valueHandles: [UInt16: UInt16] = [:]
    /// CCCD handle → the value handle it configures.
    private var configures: [UInt16: UInt16] = [:]
    /// Value handles whose notifications the client enabled.
    public private(set) var subscribed: Set<UInt16> = []
    public private(set) var mtu = ATTPDU.defaultMTU

    public init(services: [Service]) {
        var handle: UInt16 = 1
        for service in services {
            let declaration = attributes.count
            attributes.append(Attribute(handle: handle, type: .primaryService, value: service.uuid.wire))
            handle += 1
            for c in service.characteristics {
                let valueHandle = handle + 1
                attributes.append(
                    Attribute(
                        handle: handle, type: .characteristic,
                        value: [c.properties, UInt8(valueHandle & 0xFF), UInt8(valueHandle >> 8)] + c.uuid.wire))
                attributes.append(
                    Attribute(
                        handle: valueHandle, type: c.uuid, value: c.value,
                        writable: c.properties & (Characteristic.write | Characteristic.writeWithoutResponse) != 0))
                if let id = c.uuid.shortID { valueHandles[id] = valueHandle }
                handle += 2
                if c.properties & Characteristic.notify != 0 {
                    attributes.append(Attribute(handle: handle, type: .clientCharacteristicConfiguration, value: [0, 0], writable: true))
                    configures[handle] = valueHandle
                    handle += 1
                }
            }
            attributes[declaration].groupEnd = handle - 1
        }
    }

    /// A write the client made to a characteristic value (not to a CCCD).
    public struct Write: Sendable, Equatable {
        public var characteristic: UInt16?
        public var value: [UInt8]

        public init(characteristic: UInt16?, value: [UInt8]) {
            self.characteristic = characteristic
            self.value = value
        }
    }

    /// The answer to one PDU from the client (nil for commands and
    /// confirmations), and the write it made, if any.
    public mutating func respond(to pdu: ATTPDU) -> (response: ATTPDU?, write: Write?) {
        func notFound(_ start: UInt16) -> ATTPDU { .error(request: pdu.opcode, handle: start, code: ATTPDU.attributeNotFound) }
        func inRange(_ start: UInt16, _ end: UInt16) -> [Attribute]? {
            guard start != 0, start <= end else { return nil }
            return attributes.filter { $0.handle >= start && $0.handle <= end }
        }
        let room = Int(mtu) - 2  // opcode and length byte
        switch pdu {
        case .exchangeMTURequest(let client):
            mtu = max(ATTPDU.defaultMTU, min(client, ATTPDU.preferredMTU))
            return (.exchangeMTUResponse(ATTPDU.preferredMTU), nil)
        case .readByGroupTypeRequest(let start, let end, let type):
            guard let found = inRange(start, end) else { return (.error(request: pdu.opcode, handle: start, code: ATTPDU.invalidHandle), nil) }
            let groups = found.filter { $0.type == type && type == .primaryService }
            guard let first = groups.first else { return (notFound(start), nil) }
            let same = groups.filter { $0.value.count == first.value.count }.prefix(max(1, room / (4 + first.value.count)))
            return (.readByGroupTypeResponse(same.map { ($0.handle, $0.groupEnd, $0.value) }), nil)
        case .readByTypeRequest(let start, let end, let type):
            guard let found = inRange(start, end) else { return (.error(request: pdu.opcode, handle: start, code: ATTPDU.invalidHandle), nil) }
            let matching = found.filter { $0.type == type }
            guard let first = matching.first else { return (notFound(start), nil) }
            let length = min(first.value.count, room - 2)
            let same = matching.filter { $0.value.count == first.value.count }.prefix(max(1, room / (2 + length)))
            return (.readByTypeResponse(same.map { ($0.handle, Array($0.value.prefix(length))) }), nil)
        case .findInformationRequest(let start, let end):
            guard let found = inRange(start, end) else { return (.error(request: pdu.opcode, handle: start, code: ATTPDU.invalidHandle), nil) }
            guard let first = found.first else { return (notFound(start), nil) }
            let size = first.type.wire.count
            let same = found.prefix { $0.type.wire.count == size }.prefix(max(1, (Int(mtu) - 2) / (2 + size)))
            return (.findInformationResponse(same.map { ($0.handle, $0.type) }), nil)
        case .readRequest(let handle):
            guard let a = attributes.first(where: { $0.handle == handle }) else {
                return (.error(request: pdu.opcode, handle: handle, code: ATTPDU.invalidHandle), nil)
            }
            return (.readResponse(Array(a.value.prefix(Int(mtu) - 1))), nil)
        case .writeRequest(let handle, let value), .writeCommand(let handle, let value):
            let isRequest = pdu.opcode == 0x12
            guard let index = attributes.firstIndex(where: { $0.handle == handle }), attributes[index].writable else {
                return (isRequest ? .error(request: pdu.opcode, handle: handle, code: 0x03) : nil, nil)  // write not permitted
            }
            attributes[index].value = value
            var write: Write?
            if let target = configures[handle] {
                if value.first.map({ $0 & 0x01 != 0 }) ?? false { subscribed.insert(target) } else { subscribed.remove(target) }
            } else {
                write = Write(characteristic: attributes[index].type.shortID, value: value)
            }
            return (isRequest ? .writeResponse : nil, write)
        case .confirmation, .writeResponse, .notification, .indication, .exchangeMTUResponse, .error, .readResponse,
            .readByTypeResponse, .readByGroupTypeResponse, .findInformationResponse:
            return (nil, nil)
        }
    }

    /// The notification of a characteristic's new value, cut to the MTU; nil
    /// unless the client enabled notifications of it.
    public func notification(characteristic: UInt16, value: [UInt8]) -> ATTPDU? {
        guard let handle = valueHandles[characteristic], subscribed.contains(handle) else { return nil }
        return .notification(handle: handle, value: Array(value.prefix(Int(mtu) - 3)))
    }

    /// An unknown request gets an error response (§3.4.9); unknown commands are ignored.
    public static func notSupported(opcode: UInt8) -> ATTPDU? {
        opcode & 0x40 != 0 ? nil : .error(request: opcode, handle: 0, code: ATTPDU.requestNotSupported)
    }
}

extension GATTServer {
    /// What a Canary gas detector serves (docs/devices.md): the Canary service with
    /// motion samples and gas status (notify) and alert control (write).
    public static let canaryGasDetector = GATTServer(services: [
        Service(
            .canary(CanaryProfile.service),
            [
                Characteristic(.canary(CanaryProfile.motionCharacteristic), properties: Characteristic.notify),
                Characteristic(.canary(CanaryProfile.gasCharacteristic), properties: Characteristic.notify),
                Characteristic(.canary(CanaryProfile.alertCharacteristic), properties: Characteristic.write),
            ])
    ])

    /// A heart-rate strap: the Heart Rate service (0x180D) with its measurement (notify).
    public static let heartRateStrap = GATTServer(services: [
        Service(.short(0x180D), [Characteristic(.short(HeartRateMeasurement.uuid), properties: Characteristic.notify)])
    ])

    /// Canary's heart wearable (docs/devices.md): the Heart Rate service, and the Canary service
    /// with last night's sleep summary (read).
    public static func canaryHeartWearable(sleep: CanaryProfile.SleepSummary) -> GATTServer {
        GATTServer(services: [
            Service(.short(0x180D), [Characteristic(.short(HeartRateMeasurement.uuid), properties: Characteristic.notify)]),
            Service(
                .canary(CanaryProfile.service),
                [
                    Characteristic(.canary(CanaryProfile.sleepCharacteristic), properties: Characteristic.read, value: sleep.encode())
                ]),
        ])
    }
}
