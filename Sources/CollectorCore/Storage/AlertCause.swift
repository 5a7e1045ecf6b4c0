import Foundation
import Wire

/// One cause, one alert. A worker whose devices all fall silent is one event
/// for the control room, not six: a gas detector going quiet makes its four
/// sensors "stale" too, and a battery that runs flat ends in silence. Raised
/// one by one, such consequential alarms are what ISA-18.2 and EEMUA 191 call
/// an alarm flood: six text messages and six escalations bury the alarm that
/// matters. So every condition that says "this worker's equipment cannot
/// watch them" is a member of one alert per worker and gateway, kind
/// ``equipment``: a device silent (`device-offline`), a device's battery low,
/// a gas sensor silent (`<gas>.stale`) or at fault (`<gas>.fault`).
///
/// The alert opens with its first member, takes the others as they come (an
/// update, not a new alert: no new text message, no second escalation), is as
/// grave as its gravest open member and clears when the last one clears. Each
/// member stays on record: in the alert's `covers`, and as the gateway's own
/// event in the events table.
///
/// Dangers are never grouped: a gas above its limit, a sensor over its range
/// (the gas may be far above it), a fall, stillness, an SOS and fatigue each
/// keep an alert of their own, as does each gas.
enum AlertCause {
    /// The kind (and condition) of a worker's equipment alert.
    static let equipment = "equipment"

    /// Whether the condition `kind`/`condition` of a worker is part of their equipment alert.
    static func isEquipment(kind: String, condition: String, worker: String) -> Bool {
        guard !worker.isEmpty else { return false }
        switch kind {
        case AlarmKind.deviceOffline.rawValue, AlarmKind.lowBattery.rawValue: return true
        case AlarmKind.gas.rawValue: return condition.hasSuffix(".stale") || condition.hasSuffix(".fault")
        default: return false
        }
    }

    /// The phase of an alert whose members are in `covers`: an alarm while one is, a
    /// pre-alarm while one is, cleared when all are.
    static func phase(_ covers: [AlertRecord.Covered]) -> AlarmPhase {
        covers.contains { $0.state == .alarm } ? .alarm : covers.contains { $0.state == .preAlarm } ? .preAlarm : .cleared
    }

    /// The severity of such an alert: its gravest member not cleared, `info` when all are.
    static func severity(_ covers: [AlertRecord.Covered]) -> AlarmSeverity {
        covers.filter { $0.state != .cleared }.map(\.severity).max() ?? .info
    }

    /// The kinds of the members in a `covers` column, each once, in order of first appearance.
    static func kinds(covered json: String?) -> [String] {
        guard let json, let covers = try? JSONDecoder().decode([AlertRecord.Covered].self, from: Data(json.utf8)) else { return [] }
        var kinds: [String] = []
        for c in covers where !kinds.contains(c.kind) { kinds.append(c.kind) }
        return kinds
    }
}
