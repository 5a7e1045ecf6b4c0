import Testing

@testable import DeviceFormats

@Suite struct BTHomeTests {
    let exampleAddress = BDAddress.parse("54:48:E6:8F:80:A5")!
    let exampleKey = Hex.decode("231d39c1d7cc1ab1aee224cd096db932")!

    func decode(_ hex: String, keys: BTHomeKeyring? = nil) throws(DecodeError) -> BTHomePacket {
        var keys = keys
        return try BTHomePacket.decode(Hex.decode(hex)![...], address: exampleAddress, keys: &keys)
    }

    /// bthome.io/format: "0x40 0x02 0xCA 0x09 0x03 0xBF 0x13" is 25.06 °C and 50.55 %.
    @Test func theSpecsExample() throws {
        let p = try decode("4002CA0903BF13")
        #expect(!p.encrypted && !p.triggerBased)
        #expect(p.objects.map(\.id) == [0x02, 0x03])
        #expect(p.objects.map(\.value) == [25.06, 50.55])
    }

    @Test func signedValuesButtonsDimmersAndText() throws {
        // packet id 7, temperature −12.34 °C (0xFB2E), button long press, dimmer right 3 steps, text "ok".
        let p = try decode("4400070 22EFB3A043C0203530 26F6B".replacingOccurrences(of: " ", with: ""))
        #expect(p.triggerBased)
        #expect(p.packetID == 7)
        #expect(p.objects[1].value == -12.34)
        #expect(p.buttonEvents == [4])
        #expect(p.objects[3].value == 2, "dimmer: the event code")
        #expect(p.bytes(of: p.objects[4]).map(Array.init) == Array("ok".utf8))
    }

    @Test func anUnknownIDEndsThePacketKeepingWhatCameBefore() throws {
        let q = try decode("400164FE0102")
        #expect(q.battery == 100 && q.objects.count == 1 && q.stoppedAtUnknownID == 0xFE)
    }

    @Test func malformedPacketsAreTypedErrors() {
        #expect(throws: DecodeError.unsupported("BTHome version 1")) { try decode("2002CA09") }
        #expect(throws: DecodeError.truncated("BTHome object value")) { try decode("4002CA") }
        #expect(throws: DecodeError.truncated("BTHome device information")) { try decode("") }
        #expect(throws: DecodeError.truncated("BTHome text")) { try decode("405305414243") }
    }

    /// bthome.io/encryption's example: key 231d…b932, MAC 54:48:E6:8F:80:A5,
    /// counter bytes 00112233, payload 02CA0903BF13 → ciphertext a47266c95f73,
    /// MIC 78237214 (also checked with pyca/cryptography's AESCCM).
    @Test func theEncryptionExample() throws {
        var keys = BTHomeKeyring()
        keys.add(address: exampleAddress, key: exampleKey)
        let p = try decode("41a47266c95f730011223378237214", keys: keys)
        #expect(p.encrypted && p.counter == 0x3322_1100)
        #expect(p.objects.map(\.value) == [25.06, 50.55])
        let sealed = BTHomeKeyring.encrypt(
            objects: [(0x02, 2506), (0x03, 5055)], key: exampleKey,
            address: exampleAddress, counter: 0x3322_1100)
        #expect(Hex.encode(sealed) == "41a47266c95f730011223378237214")
    }

    @Test func encryptedPacketsNeedTheRightKeyAndAnIncreasingCounter() throws {
        var keys = BTHomeKeyring()
        keys.add(address: exampleAddress, key: exampleKey)
        #expect(throws: DecodeError.missingKey("54:48:E6:8F:80:A5")) { try decode("41a47266c95f730011223378237214") }
        var wrong = BTHomeKeyring()
        wrong.add(address: exampleAddress, key: [UInt8](repeating: 7, count: 16))
        #expect(throws: DecodeError.authenticationFailed) { try decode("41a47266c95f730011223378237214", keys: wrong) }
        #expect(throws: DecodeError.authenticationFailed) { try decode("41a47266c95f740011223378237214", keys: keys) }

        var ring: BTHomeKeyring? = keys
        func packet(_ counter: UInt32) -> [UInt8] {
            BTHomeKeyring.encrypt(objects: [(0x3A, 1)], key: exampleKey, address: exampleAddress, counter: counter)
        }
        #expect(try BTHomePacket.decode(packet(5)[...], address: exampleAddress, keys: &ring).buttonEvents == [1])
        #expect(throws: DecodeError.replayedCounter(last: 5, got: 5)) {
            try BTHomePacket.decode(packet(5)[...], address: exampleAddress, keys: &ring)
        }
        #expect(throws: DecodeError.replayedCounter(last: 5, got: 4)) {
            try BTHomePacket.decode(packet(4)[...], address: exampleAddress, keys: &ring)
        }
        #expect(try BTHomePacket.decode(packet(6)[...], address: exampleAddress, keys: &ring).counter == 6)
    }
}

@Suite struct AESCCMTests {
    /// RFC 3610 §8, packet vector #1: 8-byte header as associated data, 8-byte MIC.
    @Test func rfc3610PacketVector1() throws {
        let key = Array(UInt8(0xC0)...UInt8(0xCF))
        let nonce = Hex.decode("00000003020100A0A1A2A3A4A5")!
        let aad = Array(UInt8(0)...UInt8(7))
        let plaintext = Array(UInt8(8)...UInt8(0x1E))
        let (ciphertext, tag) = AESCCM.encrypt(key: key, nonce: nonce, plaintext: plaintext[...], aad: aad, tagLength: 8)
        #expect(Hex.encode(ciphertext + tag) == "588c979a61c663d2f066d0c2c0f989806d5f6b61dac38417e8d12cfdf926e0")
        #expect(AESCCM.decrypt(key: key, nonce: nonce, ciphertext: ciphertext[...], tag: tag[...], aad: aad) == plaintext)
        var bad = tag
        bad[0] ^= 1
        #expect(AESCCM.decrypt(key: key, nonce: nonce, ciphertext: ciphertext[...], tag: bad[...], aad: aad) == nil)
    }
}
