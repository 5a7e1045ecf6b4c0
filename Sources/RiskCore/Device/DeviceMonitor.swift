/// Liveness and battery of one device of one worker (docs/detection.md, "Rules
/// and their sources"): silent longer than 3 × its expected interval, and at least
/// 10 s, is *device offline* (unknown is not safe); battery ≤ 10 % is *low
/// battery*, cleared above 15 % so a battery near the limit does not flap.
/// The event's condition is the device's id.
public struct DeviceMonitor: Codable, Sendable, Equatable {
    public let worker: String
    public let device: String
    public var expectedIntervalMs: Int64
    public var lowBatteryPercent = 10.0
    public var batteryClearPercent = 15.0
    private var lastHeardMs: Int64?
    public private(set) var isOffline = false
    public private(set) var isLowBattery = false

    public init(worker: String, device: String, expectedIntervalMs: Int64) {
        self.worker = worker
        self.device = device
        self.expectedIntervalMs = expectedIntervalMs
    }

    public var offlineAfterMs: Int64 { max(3 * expectedIntervalMs, 10_000) }

    /// Starts the silence clock for a device that is expected but not yet heard.
    public mutating func expect(fromMs t: Int64) {
        if lastHeardMs == nil { lastHeardMs = t }
    }

    public mutating func heard(atMs t: Int64, location: Location? = nil) -> [SafetyEvent] {
        if let last = lastHeardMs, t < last { return [] }
        lastHeardMs = t
        guard isOffline else { return [] }
        isOffline = false
        return [event(.deviceOffline, .cleared, .info, t, [:], location)]
    }

    public mutating func battery(percent: Double, atMs t: Int64, location: Location? = nil) throws(SampleRejection) -> [SafetyEvent] {
        guard percent.isFinite, (0...100).contains(percent) else { throw .invalidValue("battery \(percent) %") }
        if !isLowBattery, percent <= lowBatteryPercent {
            isLowBattery = true
            return [event(.lowBattery, .alarm, .warning, t, ["percent": percent], location)]
        }
        if isLowBattery, percent >= batteryClearPercent {
            isLowBattery = false
            return [event(.lowBattery, .cleared, .info, t, ["percent": percent], location)]
        }
        return []
    }

    public mutating func advance(toMs t: Int64, location: Location? = nil) -> [SafetyEvent] {
        guard !isOffline, let last = lastHeardMs, t - last > offlineAfterMs else { return [] }
        isOffline = true
        return [event(.deviceOffline, .alarm, .alarm, t, ["silentMs": Double(t - last)], location)]
    }

    private func event(
        _ type: EventType, _ phase: Phase, _ severity: Severity, _ t: Int64,
        _ values: [String: Double], _ location: Location?
    ) -> SafetyEvent {
        SafetyEvent(
            worker: worker, type: type, condition: device, phase: phase, severity: severity,
            timeMs: t, values: values, location: location)
    }
}
