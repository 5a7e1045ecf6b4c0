import DeviceFormats
import Foundation

/// A btsnoop capture (what `btmon -w` writes) as a BLE source: field
/// captures replay through the same decoders and detectors. Advertising
/// reports only; notifications in a capture name attribute handles, which
/// only the live connection's discovery can map to characteristics.
public struct ReplaySource: BLESource {
    public let path: String

    public init(path: String) { self.path = path }

    public func frames() -> AsyncStream<BLEFrame> {
        let path = self.path
        return AsyncStream { continuation in
            do {
                var reader = try BTSnoopReader(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: path))))
                while let record = try reader.next() {
                    guard case .advertisingReport(let report) = record.item else { continue }
                    continuation.yield(
                        BLEFrame(
                            timeMs: record.timeUs / 1000, address: report.address, rssi: report.rssi,
                            payload: .advertisement(Array(report.data))))
                }
            } catch {
                // A capture cut short ends the replay where it was cut; what came before has been delivered.
            }
            continuation.finish()
        }
    }
}
