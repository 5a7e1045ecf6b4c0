import Foundation
import TestSupport
import Testing

@testable import DeviceFormats

@Suite struct BTSnoopTests {
    static let capture = URL(fileURLWithPath: SharedDataLocation.path("ble/csacca_btsnoop_hci.log"))

    func records(_ bytes: [UInt8]) throws -> (records: [BTSnoopReader.Record], reader: BTSnoopReader) {
        var reader = try BTSnoopReader(bytes: bytes)
        var out: [BTSnoopReader.Record] = []
        while let r = try reader.next() { out.append(r) }
        return (out, reader)
    }

    /// shared/data/README.md: 2572 HCI records, 412 LE Advertising Reports
    /// from 36 addresses, 11 iBeacon frames; captured 2021-02-01.
    @Test func theRealCaptureDecodesCompletely() throws {
        let (records, reader) = try records(Array(try Data(contentsOf: Self.capture)))
        #expect(reader.datalink == .h4 && reader.recordCount == 2572)
        #expect(reader.rejections.total == 0)
        let reports = records.compactMap { if case .advertisingReport(let r) = $0.item { r } else { nil } }
        #expect(reports.count == 412)
        #expect(Set(reports.map(\.address)).count == 36)
        var decoder = AdvertisementDecoder()
        let decoded = reports.map { decoder.decode(address: $0.address, data: $0.data) }
        #expect(decoded.filter { $0.ibeacon != nil }.count == 11)
        #expect(decoded.contains { $0.manufacturerCompany == 0xEC88 }, "Govee H5072 frames")
        #expect(decoder.rejections.total == 0)
        // 2021-02-01 UTC, in Unix microseconds.
        #expect(records.allSatisfy { $0.timeUs >= 1_612_137_600_000_000 && $0.timeUs < 1_612_224_000_000_000 })
        #expect(records.contains { if case .notification = $0.item { true } else { false } })
    }

    @Test func aCutCaptureGivesWhatCameBeforeTheCutThenAnError() throws {
        let whole = Array(try Data(contentsOf: Self.capture))
        var reader = try BTSnoopReader(bytes: Array(whole.prefix(whole.count - 10)))
        var n = 0
        #expect(throws: DecodeError.self) { while try reader.next() != nil { n += 1 } }
        #expect(n > 1_000)
    }

    @Test func notABTSnoopFile() {
        #expect(throws: DecodeError.unsupported("not a btsnoop file")) { try BTSnoopReader(bytes: Array("hello, this is not a capture".utf8)) }
        #expect(throws: DecodeError.truncated("btsnoop header")) { try BTSnoopReader(bytes: [0x62]) }
    }

    @Test func extendedReportsAndMonitorFormat() throws {
        // A monitor-format (2001) capture with one LE Extended Advertising Report carrying a BTHome button press.
        let data = AdvertisingDataBuilder.serviceData16(0xFCD2, BTHomePacket.encode([(0x00, 1), (0x3A, 1)]))
        var params: [UInt8] = [0x0D, 1, 0x10, 0x00, 0x00, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, 1, 0, 0xFF, 0x7F, 0xC4]
        params += [0, 0, 0, 0, 0, 0, 0, 0, 0, UInt8(data.count)] + data
        let event: [UInt8] = [0x3E, UInt8(params.count)] + params
        var file = Array("btsnoop\0".utf8) + [0, 0, 0, 1, 0, 0, 0x07, 0xD1]
        func be32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        file += be32(event.count) + be32(event.count) + be32(3) + be32(0) + [0x00, 0xE2, 0x5F, 0x8B, 0x2D, 0x1E, 0x7C, 0x00] + event
        let (records, _) = try records(file)
        guard case .advertisingReport(let report) = try #require(records.first).item else {
            Issue.record("no report")
            return
        }
        #expect(report.extended && report.address == [1, 2, 3, 4, 5, 6] && report.rssi == -60)
        var decoder = AdvertisementDecoder()
        #expect(decoder.decode(address: report.address, data: report.data).bthome?.buttonEvents == [1])
    }
}
