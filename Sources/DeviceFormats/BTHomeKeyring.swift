/// Bind keys of encrypted BTHome devices and the last counter accepted from
/// each, for replay protection (bthome.io/encryption).
///
/// Nonce (13 bytes) = the device's address as written (6) + the UUID 0xFCD2
/// little-endian (2) + the device-information byte (1) + the counter as sent
/// (4); AES-128-CCM with a 4-byte MIC and no associated data.
public struct BTHomeKeyring: Sendable {
    private var keys: [[UInt8]: [UInt8]] = [:]
    private var lastCounter: [[UInt8]: UInt32] = [:]

    public init() {}

    /// - Parameters:
    ///   - address: big-endian as written (`AA:BB:…` → `[0xAA, 0xBB, …]`).
    ///   - key: 16 bytes.
    public mutating func add(address: [UInt8], key: [UInt8]) {
        precondition(key.count == 16 && address.count == 6)
        keys[address] = key
    }

    public func key(for address: [UInt8]) -> [UInt8]? { keys[address] }

    mutating func decrypt(_ payload: ArraySlice<UInt8>, deviceInfo: UInt8, address: [UInt8]) throws(DecodeError) -> ([UInt8], UInt32) {
        guard let key = keys[address] else { throw .missingKey(BDAddress.string(address)) }
        let end = payload.endIndex
        let counterBytes = payload[(end - 8)..<(end - 4)]
        let counter = counterBytes.reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let nonce = Self.nonce(address: address, deviceInfo: deviceInfo, counter: counterBytes)
        guard
            let plain = AESCCM.decrypt(
                key: key, nonce: nonce, ciphertext: payload[..<(end - 8)],
                tag: payload[(end - 4)...])
        else { throw .authenticationFailed }
        // Only an authentic packet may move the counter, so a forged one cannot block the device.
        if let last = lastCounter[address], counter <= last { throw .replayedCounter(last: last, got: counter) }
        lastCounter[address] = counter
        return (plain, counter)
    }

    /// Encrypts `objects` as a device would: service data after the UUID.
    public static func encrypt(
        objects: [(id: UInt8, raw: Int64)], key: [UInt8], address: [UInt8], counter: UInt32,
        triggerBased: Bool = false
    ) -> [UInt8] {
        let info: UInt8 = 0x41 | (triggerBased ? 0x04 : 0)
        let counterBytes = (0..<4).map { UInt8(truncatingIfNeeded: counter >> (8 * $0)) }
        let nonce = nonce(address: address, deviceInfo: info, counter: counterBytes[...])
        let (ciphertext, tag) = AESCCM.encrypt(key: key, nonce: nonce, plaintext: BTHomePacket.encodeObjects(objects)[...])
        return [info] + ciphertext + counterBytes + tag
    }

    private static func nonce(address: [UInt8], deviceInfo: UInt8, counter: ArraySlice<UInt8>) -> [UInt8] {
        address + [0xD2, 0xFC, deviceInfo] + counter
    }
}
