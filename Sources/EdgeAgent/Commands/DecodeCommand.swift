import ArgumentParser
import DeviceFormats
import Foundation

/// `canary-agent decode`: BLE payloads in, one JSON object per payload out
/// (a stable contract, docs/cli.md).
struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode advertising data ('ADDR HEX' lines on stdin) or a btsnoop capture to JSON lines."
    )

    @Option(name: .customLong("bthome-key"), help: "Bind key of an encrypted BTHome device, ADDR=HEX (repeatable).")
    var bthomeKeys: [String] = []

    @Option(help: "A btsnoop capture to decode instead of stdin.")
    var btsnoop: String?

    @Option(help: "Company identifier of Canary profile frames, hex.")
    var company: String = "FFFF"

    func run() throws {
        var keyring = BTHomeKeyring()
        for entry in bthomeKeys {
            let parts = entry.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let addr = BDAddress.parse(parts[0]), let key = Hex.decode(parts[1]), key.count == 16 else {
                throw ValidationError("--bthome-key \(entry): expected AA:BB:CC:DD:EE:FF=<32 hex digits>")
            }
            keyring.add(address: addr, key: key)
        }
        guard let companyID = UInt16(company, radix: 16) else { throw ValidationError("--company \(company): not a hex 16-bit id") }
        var decoder = AdvertisementDecoder(keyring: bthomeKeys.isEmpty ? nil : keyring, canaryCompany: companyID)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var out = FileHandleOutput()
        func emit(_ o: DecodeOutput) throws { out.write(String(decoding: try encoder.encode(o), as: UTF8.self)) }

        var lines = 0
        if let path = btsnoop {
            var reader = try BTSnoopReader(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: path))))
            var failure: DecodeError?
            do {
                while let record = try reader.next() {
                    lines += 1
                    try emit(Self.output(record, decoder: &decoder))
                }
            } catch let e as DecodeError {
                failure = e
            }
            out.flush()
            let rejected = reader.rejections.total + decoder.rejections.total
            FileHandle.standardError.write(
                Data(
                    "\(reader.recordCount) records, \(lines) reports and notifications, \(rejected) rejected\(failure.map { "; capture ends early: \($0)" } ?? "")\n"
                        .utf8))
            if failure != nil { throw ExitCode(2) }
            return
        }
        while let line = readLine() {
            lines += 1
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            let addrText = fields.first.map(String.init) ?? ""
            guard fields.count == 2, let addr = BDAddress.parse(fields[0]) else {
                try emit(DecodeOutput(addr: addrText, error: "expected 'AA:BB:CC:DD:EE:FF HEX'"))
                continue
            }
            guard let data = Hex.decode(fields[1]) else {
                try emit(DecodeOutput(addr: addrText, error: "advertising data is not hex"))
                continue
            }
            try emit(DecodeOutput(addr: BDAddress.string(addr), decoder.decode(address: addr, data: data[...])))
        }
        out.flush()
    }

    static func output(_ record: BTSnoopReader.Record, decoder: inout AdvertisementDecoder) -> DecodeOutput {
        var o: DecodeOutput
        switch record.item {
        case .advertisingReport(let report):
            o = DecodeOutput(addr: BDAddress.string(report.address), decoder.decode(address: report.address, data: report.data))
            o.kind = "advertising-report"
            o.rssi = report.rssi.map(Int.init)
            o.event_type = Int(report.eventType)
            o.extended = report.extended
        case .notification(let n):
            o = DecodeOutput(addr: "")
            o.kind = n.indication ? "indication" : "notification"
            o.connection = Int(n.connectionHandle)
            o.handle = Int(n.attributeHandle)
            o.value = Hex.encode(n.value)
        }
        o.time_us = record.timeUs
        return o
    }
}

/// Buffered stdout: one write per 64 KiB instead of per line.
struct FileHandleOutput {
    private var buffer: [UInt8] = []

    mutating func write(_ line: String) {
        buffer += line.utf8
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= 65_536 { flush() }
    }

    mutating func flush() {
        FileHandle.standardOutput.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}
