import CBluetooth
import DeviceFormats
import Foundation

/// LE scanning on a raw HCI socket (Core spec Vol 4 Part E §7.8.10–11):
/// passive by default, active optionally; controller duplicate filtering off,
/// so every advertisement arrives, changed reading or not.
public final class LEScanner: @unchecked Sendable {
    public struct Settings: Sendable, Equatable {
        /// Active scanning sends scan requests (scan responses are reported too); passive only listens.
        public var active = false
        /// Interval and window in 0.625-ms units: equal, so the radio listens all the time.
        public var interval: UInt16 = 0x0010
        public var window: UInt16 = 0x0010
        public init(active: Bool = false) { self.active = active }
    }

    public let adapter: HCIAdapter
    public let settings: Settings
    private var commands: HCISocket?
    private var events: HCISocket?
    /// HCI events that claimed to be advertising reports but did not parse.
    public private(set) var malformedEvents = 0

    public init(adapter: HCIAdapter, settings: Settings = Settings()) {
        self.adapter = adapter
        self.settings = settings
    }

    /// Brings the adapter up and starts scanning.
    public func start() throws(BlueZError) {
        try adapter.up()
        let commands = try adapter.open()
        // Scanning left on (by a previous run, or bluetoothd) refuses new parameters: stop it first.
        _ = hci_le_set_scan_enable(commands.fd, 0x00, 0x00, 1_000)
        guard
            // Own address public (0x00), accept all advertisers (0x00).
            hci_le_set_scan_parameters(
                commands.fd, settings.active ? 0x01 : 0x00, settings.interval.littleEndian,
                settings.window.littleEndian, 0x00, 0x00, 1_000) == 0
        else {
            throw BlueZError("set LE scan parameters on \(adapter.name)", code: errno == 0 ? EIO : errno)
        }
        let events = try adapter.open()
        try events.filterLEMetaEvents()
        // No duplicate filtering (0x00): every report counts.
        guard hci_le_set_scan_enable(commands.fd, 0x01, 0x00, 1_000) == 0 else {
            throw BlueZError("enable LE scanning on \(adapter.name)", code: errno == 0 ? EIO : errno)
        }
        self.commands = commands
        self.events = events
    }

    /// The advertising reports of the next event, [] for other events, nil on timeout.
    public func next(timeoutMs: Int32) throws(BlueZError) -> [AdvertisingReport]? {
        guard let events else { throw BlueZError("scan on \(adapter.name) before start()", code: EINVAL) }
        guard let packet = try events.readEvent(timeoutMs: timeoutMs) else { return nil }
        do {
            return try HCIEvent.advertisingReports(packet[...])
        } catch {
            // Dropped and counted, never a crash.
            malformedEvents += 1
            return []
        }
    }

    /// Enables scanning again. The kernel turns LE scanning off while it
    /// creates a connection (a GATT link) and does not turn ours back on;
    /// true when the controller took the command (it refuses it while a
    /// connection is being created).
    @discardableResult
    public func rearm() -> Bool {
        guard let commands else { return false }
        return hci_le_set_scan_enable(commands.fd, 0x01, 0x00, 1_000) == 0
    }

    public func stop() {
        if let commands { _ = hci_le_set_scan_enable(commands.fd, 0x00, 0x00, 1_000) }
        commands = nil
        events = nil
    }
}
