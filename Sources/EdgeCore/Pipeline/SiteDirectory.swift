import DeviceFormats

/// Which device belongs to which worker, and in which role (docs/devices.md).
public struct SiteDirectory: Sendable {
    public enum Role: String, Sendable, Codable, CaseIterable {
        case gasDetector = "gas-detector"
        case heart
        case locator
        case button

        /// How often the device is expected to be heard (ms): every second,
        /// except a BTHome button, which advertises its battery every 10 s.
        public var expectedIntervalMs: Int64 { self == .button ? 10_000 : 1_000 }
    }

    public struct Binding: Sendable {
        public var worker: String
        public var role: Role
    }

    public var site: String
    public private(set) var bindings: [[UInt8]: Binding] = [:]
    public private(set) var keyring = BTHomeKeyring()
    /// Health records by worker (``HealthRecord``); records of workers not on this site are unused.
    public var health: [String: HealthRecord] = [:]

    public init(site: String) { self.site = site }

    public mutating func bind(_ address: [UInt8], worker: String, role: Role, bthomeKey: [UInt8]? = nil) {
        bindings[address] = Binding(worker: worker, role: role)
        if let bthomeKey { keyring.add(address: address, key: bthomeKey) }
    }
}
