/// Manual SOS (docs/detection.md, "Rules and their sources"): a press raises
/// an alarm at once, latched until a coordinator resolves it.
///
/// Devices repeat one press in several advertisements; a press is counted
/// once per packet id (BTHome object 0x00) or, for the gas profile's SOS
/// flag, once per rising edge of the flag whatever its sequence numbers.
public struct SOSDetector: Codable, Sendable, Equatable {
    public let worker: String
    private var lastPacketID: [String: Int] = [:]
    private var flagSet: [String: Bool] = [:]
    public private(set) var isActive = false

    public init(worker: String) { self.worker = worker }

    /// A button event from `device`; `packetID` nil when the device sends none.
    public mutating func press(device: String, packetID: Int?, atMs t: Int64, location: Location? = nil) -> [SafetyEvent] {
        if let packetID {
            if lastPacketID[device] == packetID { return [] }
            lastPacketID[device] = packetID
        }
        return raise(device: device, t, location)
    }

    /// The gas profile's SOS flag as seen in each advertisement.
    public mutating func flag(device: String, isSet: Bool, atMs t: Int64, location: Location? = nil) -> [SafetyEvent] {
        let wasSet = flagSet[device] ?? false
        flagSet[device] = isSet
        return isSet && !wasSet ? raise(device: device, t, location) : []
    }

    public mutating func resolve(atMs t: Int64, location: Location? = nil) -> [SafetyEvent] {
        guard isActive else { return [] }
        isActive = false
        return [
            SafetyEvent(
                worker: worker, type: .sos, phase: .cleared, severity: .info, timeMs: t,
                values: ["resolved": 1], location: location)
        ]
    }

    private mutating func raise(device: String, _ t: Int64, _ location: Location?) -> [SafetyEvent] {
        guard !isActive else { return [] }
        isActive = true
        return [
            SafetyEvent(
                worker: worker, type: .sos, phase: .alarm, severity: .critical, timeMs: t,
                location: location)
        ]
    }
}
