/// The words an alarm is made of on the wire (docs/wire.md): what it is
/// about, where in its life it is, and how grave. The wire is a contract of
/// its own, versioned with the topics (`canary/v1/…`): the gateway maps its
/// detection's events onto these words (EdgeCore's `SafetyEvent+Wire`), and
/// the collector reads only these, without the detection library. A test
/// keeps both vocabularies the same.

/// `data.kind` of `tw.canary.alarm.*`, and the type's last part.
public enum AlarmKind: String, Codable, Sendable, CaseIterable {
    case gas
    case fall
    case immobility
    case sos
    case deviceOffline = "device-offline"
    case lowBattery = "low-battery"
    case fatigue

    /// Kinds whose `condition` is the device's Bluetooth address (which exports pseudonymise).
    public var conditionIsDevice: Bool { self == .deviceOffline || self == .lowBattery }
}

/// `data.phase`: a pre-alarm gives the wearer a chance to cancel; an alarm calls for rescue; cleared ends either.
public enum AlarmPhase: String, Codable, Sendable, CaseIterable {
    case preAlarm = "pre-alarm"
    case alarm
    case cleared
}

/// `data.severity`, least grave first: the order is the comparison.
public enum AlarmSeverity: String, Codable, Sendable, CaseIterable, Comparable {
    case info
    case warning
    case alarm
    case critical

    public static func < (a: AlarmSeverity, b: AlarmSeverity) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }
}
