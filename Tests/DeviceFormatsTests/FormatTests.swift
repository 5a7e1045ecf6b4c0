import Testing

@testable import DeviceFormats

@Suite struct AdvertisingDataTests {
    @Test func structuresUntilAZeroLength() throws {
        let ads = try AdvertisingData.parse(Hex.decode("0201060309414200000000")![...])
        #expect(ads.map(\.type) == [0x01, 0x09])
        #expect(Array(ads[1].data) == Array("AB".utf8))
    }

    @Test func aLengthPastTheEndIsAnError() {
        #expect(throws: DecodeError.badLength("AD structure of 5 bytes with 2 left")) {
            try AdvertisingData.parse(Hex.decode("0201060509AB")![...])
        }
    }

    @Test func theDecoderKeepsWhatItCouldReadAndCountsTheRejection() {
        var d = AdvertisementDecoder()
        // flags, then a BTHome packet of version 1.
        let ad = d.decode(address: [1, 2, 3, 4, 5, 6], data: Hex.decode("020106051 6D2FC2001".replacingOccurrences(of: " ", with: ""))![...])
        #expect(ad.formats == [.flags])
        #expect(ad.error == .unsupported("BTHome version 1"))
        #expect(d.rejections.byKind == ["unsupported": 1])
    }
}

@Suite struct GATTFormatTests {
    @Test func heartRateWithRRIntervals() throws {
        // flags 0x16: uint8 HR, contact supported and detected, RR present; 72 bpm; RR 1024 and 512 (1/1024 s).
        let m = try HeartRateMeasurement.decode(Hex.decode("164800040002")![...])
        #expect(m.heartRate == 72 && m.sensorContact == true && m.energyExpendedKJ == nil)
        #expect(m.rrIntervalsMs == [1000, 500])
        // uint16 HR with energy expended, no contact support.
        let n = try HeartRateMeasurement.decode(Hex.decode("0901012C01")![...])
        #expect(n.heartRate == 257 && n.sensorContact == nil && n.energyExpendedKJ == 300)
        #expect(throws: DecodeError.badLength("HRM RR intervals: odd byte count 3")) {
            try HeartRateMeasurement.decode(Hex.decode("1648000400")![...])
        }
        #expect(throws: DecodeError.truncated("HRM heart rate")) { try HeartRateMeasurement.decode(Hex.decode("01")![...]) }
        let rr = [812.5, 790.0]
        let back = try HeartRateMeasurement.decode(HeartRateMeasurement.encode(heartRate: 75, rrIntervalsMs: rr)[...])
        #expect(back.heartRate == 75)
        #expect(zip(back.rrIntervalsMs, rr).allSatisfy { abs($0 - $1) < 1 })
    }

    @Test func batteryLevel() throws {
        #expect(try BatteryLevel.decode([87][...]) == 87)
        #expect(throws: DecodeError.unsupported("battery level 101 %")) { try BatteryLevel.decode([101][...]) }
        #expect(throws: DecodeError.badLength("battery level of 2 bytes")) { try BatteryLevel.decode([1, 2][...]) }
    }

    @Test func iBeacon() throws {
        let beacon = IBeacon(uuid: Array(1...16), major: 0x0102, minor: 0xA0B0, measuredPower: -59)
        let bytes = beacon.encode()
        #expect(try IBeacon.decode(bytes.dropFirst(2)) == beacon)
        #expect(try IBeacon.decode(Hex.decode("1005")![...]) == nil, "Apple data that is not an iBeacon")
        #expect(throws: DecodeError.badLength("iBeacon of 5 bytes, expected 23")) { try IBeacon.decode(Hex.decode("0215010203")![...]) }
    }
}

@Suite struct CanaryProfileTests {
    @Test func gasFrameRoundTripsAndNotFittedSensorsAreNil() throws {
        let status = CanaryProfile.GasStatus(
            sequence: 200, o2: 20.9, co: nil, h2s: 12.5, lel: 3.2, battery: 77,
            flags: [.sos, .overRange], motionG: 0.37)
        let adv = status.encodeAdvertisement()
        #expect(adv.count == 14, "fits a legacy advertisement with flags and the company id")
        guard case .gas(let back) = try CanaryProfile.decodeAdvertisement(adv[...]) else {
            Issue.record("not a gas frame")
            return
        }
        #expect(back == status)
        #expect(try CanaryProfile.GasStatus.decodeCharacteristic(status.encode()[...]) == status)
    }

    @Test func positionFrame() throws {
        let p = CanaryProfile.Position(sequence: 3, x: -12.3, y: 45.6, floor: -2, accuracy: 1.5, battery: 90)
        #expect(try CanaryProfile.decodeAdvertisement(p.encodeAdvertisement()[...]) == .position(p))
    }

    @Test func badFramesAreTypedErrors() {
        #expect(throws: DecodeError.unsupported("Canary profile version 2")) { try CanaryProfile.decodeAdvertisement([2, 1][...]) }
        #expect(throws: DecodeError.unsupported("Canary frame type 9")) { try CanaryProfile.decodeAdvertisement([1, 9][...]) }
        #expect(throws: DecodeError.truncated("battery")) { try CanaryProfile.decodeAdvertisement(Hex.decode("010101D20800001400FFFF")![...]) }
        #expect(throws: DecodeError.badLength("gas frame: 1 extra bytes")) {
            try CanaryProfile.decodeAdvertisement(Hex.decode("010101D20800001400000064000000")![...])
        }
    }

    @Test func motionSamplesSleepAndAlerts() throws {
        let m = CanaryProfile.MotionSamples(firstIndex: 65_535, rateHz: 50, samples: [(1, -1_000, 20), (-32_768, 32_767, 0)])
        #expect(try CanaryProfile.MotionSamples.decode(m.encode()[...]) == m)
        #expect(throws: DecodeError.badLength("motion samples: 5 bytes is not whole samples")) {
            try CanaryProfile.MotionSamples.decode(Hex.decode("000032 0100020003".replacingOccurrences(of: " ", with: ""))![...])
        }
        let sleep = CanaryProfile.SleepSummary(start: 1_700_000_000, end: 1_700_025_200, minutesAsleep: 390, efficiencyPercent: 93)
        #expect(try CanaryProfile.SleepSummary.decode(sleep.encode()[...]) == sleep)
        var impossible = sleep
        impossible.minutesAsleep = 500
        #expect(throws: DecodeError.unsupported("more minutes asleep than in bed")) {
            try CanaryProfile.SleepSummary.decode(impossible.encode()[...])
        }
        #expect(try CanaryProfile.AlertCommand.decode([2][...]) == .alarm)
        #expect(throws: DecodeError.unsupported("alert command 3")) { try CanaryProfile.AlertCommand.decode([3][...]) }
    }
}
