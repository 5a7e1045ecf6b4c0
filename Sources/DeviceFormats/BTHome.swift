/// A BTHome v2 advertisement (bthome.io): service data with UUID 0xFCD2.
///
/// Layout: one device-information byte (bit 0 encrypted, bit 2 trigger
/// based, bits 5–7 version, which must be 2), then objects — an id and a
/// value of the id's fixed size, little-endian. Encrypted packets carry the
/// objects AES-CCM encrypted, followed by a 4-byte counter and a 4-byte MIC.
public struct BTHomePacket: Sendable, Equatable {
    public struct Object: Sendable, Equatable {
        public var id: UInt8
        /// The value with the spec's factor applied. Button and dimmer events
        /// give their event code; text and raw objects their byte count.
        public var value: Double
        /// Text (0x53) and raw (0x54) objects: where their bytes are (``BTHomePacket/bytes(of:)``).
        /// A range, not the bytes, keeps an object free of reference counting.
        var bytesRange: Range<Int>?
    }

    public static let uuid: UInt16 = 0xFCD2

    public var encrypted: Bool
    public var triggerBased: Bool
    /// The encryption counter, for encrypted packets.
    public var counter: UInt32?
    /// Set when an unknown object id ended decoding early: the objects before it are kept.
    public var stoppedAtUnknownID: UInt8?
    /// The (decrypted) objects, validated when the packet was decoded.
    private var payload: ArraySlice<UInt8>
    public private(set) var objectCount: Int

    /// Every object in payload order. ``forEachObject(_:)`` gives the same without building an array.
    public var objects: [Object] {
        var out: [Object] = []
        out.reserveCapacity(objectCount)
        forEachObject { out.append($0) }
        return out
    }

    public var packetID: Int? { first(BTHomeObjects.packetID).map { Int($0) } }
    public var battery: Double? { first(BTHomeObjects.battery) }
    /// Button event codes: 0x01 press, 0x02 double, 0x03 triple, 0x04 long, 0x05 long double, 0x06 long triple, 0x80 hold.
    public var buttonEvents: [Int] {
        var out: [Int] = []
        forEachObject { if $0.id == BTHomeObjects.buttonEvent { out.append(Int($0.value)) } }
        return out
    }

    private func first(_ id: UInt8) -> Double? {
        var found: Double?
        forEachObject { if found == nil, $0.id == id { found = $0.value } }
        return found
    }

    /// Text (0x53) and raw (0x54) objects: their bytes; nil for other objects.
    public func bytes(of object: Object) -> ArraySlice<UInt8>? { object.bytesRange.map { payload[$0] } }

    /// Calls `body` with each object in payload order, allocating nothing:
    /// the agent's hot path.
    public func forEachObject(_ body: (Object) -> Void) {
        // Validated by decode: these reads cannot fail. (A typed do/catch, not
        // `try?`, which costs a generic metadata lookup per call.)
        do throws(DecodeError) {
            let specs = BTHomeObjects.table  // once per packet, not once per object
            try ByteReader.read(payload) { (o: inout ByteReader) throws(DecodeError) in
                for _ in 0..<objectCount { body(try Self.nextObject(&o, specs)) }
            }
        } catch {
            return
        }
    }

    /// Reads one object of an id the spec defines (decode stops at others).
    @inline(__always)
    private static func nextObject(_ o: inout ByteReader, _ specs: UnsafeBufferPointer<BTHomeObjectSpec>) throws(DecodeError) -> Object {
        let id = try o.u8("BTHome object id")
        let spec = specs[Int(id)]
        if spec.lengthPrefixed {
            let n = Int(try o.u8("BTHome text length"))
            let start = o.index
            try o.skip(n, "BTHome text")
            return Object(id: id, value: Double(n), bytesRange: start..<o.index)
        }
        let raw: Double =
            spec.signed
            ? Double(try o.intLE(spec.size, "BTHome object value"))
            : Double(try o.uintLE(spec.size, "BTHome object value"))
        // Dimmer events: the first byte is the event code, the second the steps.
        let value = id == BTHomeObjects.dimmerEvent ? Double(UInt64(raw) & 0xFF) : spec.scale(raw)
        return Object(id: id, value: value, bytesRange: nil)
    }

    /// Decodes the service data that follows the UUID.
    /// - Parameters:
    ///   - address: the advertiser's address, big-endian as written (`AA:BB:…` → `[0xAA, 0xBB, …]`); part of the nonce.
    ///   - keys: bind keys and counters of encrypted devices; nil when none are configured.
    public static func decode(_ data: ArraySlice<UInt8>, address: [UInt8], keys: inout BTHomeKeyring?) throws(DecodeError) -> BTHomePacket {
        guard let info = data.first else { throw .truncated("BTHome device information") }
        guard info >> 5 == 2 else { throw .unsupported("BTHome version \(info >> 5)") }
        let encrypted = info & 0x01 != 0
        var counter: UInt32?
        var payload = data.dropFirst()
        if encrypted {
            guard payload.count >= 8 else { throw .truncated("BTHome counter and MIC") }
            guard keys != nil else { throw .missingKey(BDAddress.string(address)) }
            let (plain, count) = try keys!.decrypt(payload, deviceInfo: info, address: address)
            payload = plain[...]
            counter = count
        }
        // Validate: walk the objects by their sizes; values are read when asked for.
        // (The walk returns what it found rather than setting fields of a packet
        // it captures: the optimiser copied a captured packet on return.)
        let specs = BTHomeObjects.table
        let (count, stoppedAt) = try ByteReader.read(payload) { (o: inout ByteReader) throws(DecodeError) -> (Int, UInt8?) in
            var count = 0
            while !o.isAtEnd {
                let id = try o.u8("BTHome object id")
                let spec = specs[Int(id)]
                guard spec.isDefined else { return (count, id) }
                if spec.lengthPrefixed {
                    try o.skip(Int(try o.u8("BTHome text length")), "BTHome text")
                } else {
                    try o.skip(spec.size, "BTHome object value")
                }
                count += 1
            }
            return (count, nil)
        }
        return BTHomePacket(
            encrypted: encrypted, triggerBased: info & 0x04 != 0, counter: counter,
            stoppedAtUnknownID: stoppedAt, payload: payload, objectCount: count)
    }

    /// The service data (after the UUID) for `objects`, each an id and its raw integer value.
    public static func encode(_ objects: [(id: UInt8, raw: Int64)], triggerBased: Bool = false) -> [UInt8] {
        var out: [UInt8] = [0x40 | (triggerBased ? 0x04 : 0)]
        out += encodeObjects(objects)
        return out
    }

    static func encodeObjects(_ objects: [(id: UInt8, raw: Int64)]) -> [UInt8] {
        var out: [UInt8] = []
        for (id, raw) in objects {
            let spec = BTHomeObjects.table[Int(id)]
            guard spec.isDefined, !spec.lengthPrefixed else { continue }
            out.append(id)
            for k in 0..<spec.size { out.append(UInt8(truncatingIfNeeded: raw >> (8 * Int64(k)))) }
        }
        return out
    }
}
