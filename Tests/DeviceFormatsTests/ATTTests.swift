import Testing

@testable import DeviceFormats

@Suite struct ATTTests {
    @Test func pdusRoundTrip() throws {
        let pdus: [ATTPDU] = [
            .error(request: 0x10, handle: 0x0001, code: ATTPDU.attributeNotFound), .exchangeMTURequest(247), .exchangeMTUResponse(23),
            .findInformationRequest(start: 1, end: 0xFFFF), .findInformationResponse([(4, .clientCharacteristicConfiguration)]),
            .readByTypeRequest(start: 1, end: 9, type: .characteristic), .readByTypeResponse([(2, [0x10, 3, 0, 0x37, 0x2A])]),
            .readRequest(3), .readResponse([1, 2]),
            .readByGroupTypeRequest(start: 1, end: 0xFFFF, type: .primaryService),
            .readByGroupTypeResponse([(1, 8, BLEUUID.canary(1).wire)]), .writeRequest(handle: 4, value: [1, 0]), .writeResponse,
            .writeCommand(handle: 9, value: [2]), .notification(handle: 3, value: [9]), .indication(handle: 3, value: []), .confirmation,
        ]
        for pdu in pdus { #expect(try ATTPDU.decode(pdu.encode()[...]) == pdu, "\(pdu.encode())") }
    }

    /// Core Spec Vol 3 Part F §3.4.1.1: an Error Response is opcode, request opcode, handle, code.
    @Test func bytesAsTheSpecWritesThem() throws {
        #expect(ATTPDU.error(request: 0x08, handle: 0x0005, code: 0x0A).encode() == [0x01, 0x08, 0x05, 0x00, 0x0A])
        #expect(ATTPDU.exchangeMTURequest(0x00F7).encode() == [0x02, 0xF7, 0x00])
        // 128-bit UUIDs travel little-endian.
        #expect(BLEUUID.canary(2).wire.first == 0x79 && BLEUUID.canary(2).wire.last == 0x6e)
        #expect(BLEUUID.canary(2).description == "6e0f0002-8c3b-4b8e-9f5a-63616e617279")
        #expect(BLEUUID.canary(2).shortID == 2 && BLEUUID.short(0x2A37).shortID == 0x2A37)
        #expect(BLEUUID.long([UInt8](repeating: 0, count: 16)).shortID == nil)
    }

    @Test func garbageIsATypedError() {
        #expect(throws: DecodeError.self) { try ATTPDU.decode([][...]) }
        #expect(throws: DecodeError.self) { try ATTPDU.decode([0x02, 0x17][...]) }  // MTU cut short
        #expect(throws: DecodeError.self) { try ATTPDU.decode([0x03, 0x17, 0x00, 0x00][...]) }  // a byte too many
        #expect(throws: DecodeError.self) { try ATTPDU.decode([0x09, 0x07, 0x01, 0x00, 0x02][...]) }  // pairs of 7, 3 bytes
        #expect(throws: DecodeError.self) { try ATTPDU.decode([0x05, 0x03, 0x01, 0x00][...]) }  // no such format
        #expect(throws: DecodeError.self) { try ATTPDU.decode([0x10, 0x01, 0x00, 0xFF, 0xFF, 0x00][...]) }  // a 1-byte UUID
        #expect(throws: DecodeError.self) { try ATTPDU.decode([0xEE][...]) }
    }

    @Test func theServerAnswersAsTheSpecSays() {
        var server = GATTServer.heartRateStrap
        // 1 service, 2 declaration, 3 value, 4 CCCD.
        #expect(
            server.respond(to: .readByGroupTypeRequest(start: 1, end: 0xFFFF, type: .primaryService)).response
                == .readByGroupTypeResponse([(1, 4, [0x0D, 0x18])]))
        #expect(
            server.respond(to: .readByGroupTypeRequest(start: 5, end: 0xFFFF, type: .primaryService)).response
                == .error(request: 0x10, handle: 5, code: ATTPDU.attributeNotFound))
        #expect(
            server.respond(to: .readByTypeRequest(start: 1, end: 4, type: .characteristic)).response
                == .readByTypeResponse([(2, [0x10, 0x03, 0x00, 0x37, 0x2A])]))
        #expect(server.notification(characteristic: HeartRateMeasurement.uuid, value: [0x06, 72]) == nil, "not subscribed yet")
        #expect(server.respond(to: .writeRequest(handle: 4, value: [0x01, 0x00])).response == .writeResponse)
        #expect(server.notification(characteristic: HeartRateMeasurement.uuid, value: [0x06, 72]) == .notification(handle: 3, value: [0x06, 72]))
        #expect(
            server.respond(to: .writeRequest(handle: 3, value: [1])).response == .error(request: 0x12, handle: 3, code: 0x03),
            "the measurement is not writable")
        #expect(
            server.respond(to: .findInformationRequest(start: 0, end: 4)).response
                == .error(request: 0x04, handle: 0, code: ATTPDU.invalidHandle))
        // Notifications are cut to the MTU.
        let long = [UInt8](repeating: 7, count: 40)
        #expect(
            server.notification(characteristic: HeartRateMeasurement.uuid, value: long) == .notification(handle: 3, value: Array(long.prefix(20))))
    }
}
