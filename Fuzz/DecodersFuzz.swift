// libFuzzer entry point over every DeviceFormats decoder, compiled together
// with Sources/DeviceFormats by scripts/fuzz.sh (swiftc -sanitize=fuzzer,address).
// The first input byte picks the decoder; the rest is its input. Any crash,
// trap or out-of-bounds read is a finding.

/// One key, so encrypted BTHome packets reach the CCM and replay checks.
nonisolated(unsafe) var decoder: AdvertisementDecoder = {
    var keys = BTHomeKeyring()
    keys.add(address: [0x54, 0x48, 0xE6, 0x8F, 0x80, 0xA5], key: Array(0..<16))
    return AdvertisementDecoder(keyring: keys)
}()
nonisolated(unsafe) var acl = ACLReassembler()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    guard count > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: start, count: count))
    let input = bytes.dropFirst()
    switch bytes[0] % 9 {
    case 0: _ = decoder.decode(address: [0x54, 0x48, 0xE6, 0x8F, 0x80, 0xA5], data: input)
    case 1: _ = try? HeartRateMeasurement.decode(input)
    case 2: _ = try? CanaryProfile.decodeAdvertisement(input)
    case 3: _ = try? CanaryProfile.MotionSamples.decode(input)
    case 4: _ = try? CanaryProfile.SleepSummary.decode(input)
    case 5:
        // A btsnoop file: the header is given, the records are fuzzed.
        if var reader = try? BTSnoopReader(bytes: Array("btsnoop\0".utf8) + [0, 0, 0, 1, 0, 0, 0x03, 0xEA] + input) {
            while (try? reader.next()) != nil {}
        }
    case 6: _ = try? HCIEvent.advertisingReports(input)
    case 7: _ = try? acl.add(input)
    default:
        _ = try? IBeacon.decode(input)
        _ = try? BatteryLevel.decode(input)
        _ = try? CanaryProfile.GasStatus.decodeCharacteristic(input)
    }
    return 0
}
