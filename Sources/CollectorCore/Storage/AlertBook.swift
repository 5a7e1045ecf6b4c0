import Foundation
import Wire

/// Turns stored alarm events into alerts and alert changes, inside the
/// commit's transaction: what each event means for its alert, decided here
/// for both stores, which read and write the rows (``SQLiteStore``,
/// ``PostgresStore``). An alert is keyed by site, gateway, worker, kind and
/// condition; at most one is open (not cleared) per key.
///
/// A gateway speaks only for the alerts it opened: another gateway's clear or
/// update of the same worker's condition does not touch them (it opens an
/// alert of its own, or, a clear, none). A gateway that is wrong or
/// compromised cannot make a fall that another gateway raised disappear from
/// the control room; a worker who walks from one gateway's range to
/// another's may have the same condition open twice, side by side on the
/// dashboard, until each gateway clears its own or a coordinator resolves
/// it. An alert open too long is the safe mistake.
enum AlertBook {
    /// How far ahead of the collector's clock an alarm's own time may be:
    /// clocks drift and NTP may be late on a gateway that just booted, but
    /// not by more than this.
    static let maxAheadMs: Int64 = 5 * 60_000
    /// How far behind: an outbox resends what waited through a long outage
    /// with its true times, for up to this long.
    static let maxBehindMs: Int64 = 30 * 86_400_000

    /// The time an alarm's alert takes: the gateway's own (`data.time_ms`),
    /// unless that is implausible, and then the collector's. Found: an alarm
    /// dated 2100 made the real clear that followed look older and be
    /// ignored; one dated 1970 escalated at once. The event is stored as
    /// received; the alert shows what the gateway said as `gateway_time`.
    static func plausibleTime(_ timeMs: Int64, receivedMs: Int64) -> Int64 {
        (receivedMs - maxBehindMs...receivedMs + maxAheadMs).contains(timeMs) ? timeMs : receivedMs
    }

    /// What an event says about one alert.
    struct Change {
        var site: String, gateway: String, worker: String, kind: String, condition: String
        var phase: AlarmPhase, severity: AlarmSeverity, timeMs: Int64, eventID: String
        /// The gateway's own time, when it was implausible and `timeMs` is the collector's.
        var gatewayTimeMs: Int64? = nil
        /// The collector's clock when the event came.
        var receivedMs: Int64
        var location: AlarmData.LocationData? = nil
        var values: [String: Double] = [:]
    }

    /// The change one newly stored alarm event makes, at `timeMs` (``plausibleTime(_:receivedMs:)``).
    static func change(_ e: CloudEvent<AlarmData>, topics: Topics, timeMs: Int64, receivedMs: Int64) -> Change {
        let d = e.data
        return Change(
            site: topics.site, gateway: topics.gateway, worker: e.subject ?? "", kind: d.kind.rawValue,
            condition: d.condition, phase: d.phase, severity: d.severity, timeMs: timeMs, eventID: e.id,
            gatewayTimeMs: timeMs == d.time_ms ? nil : d.time_ms,
            receivedMs: receivedMs, location: d.location, values: d.values)
    }

    /// The kind of the alert a gateway's `offline` opens and its `online` clears. A gateway
    /// that is gone watches nobody: its workers' alarms reach only their own devices (and the
    /// gateway's siren, if it still has power) until it is back. Keyed by the gateway as its
    /// condition, with no worker.
    static let gatewayOffline = "gateway-offline"

    /// A change of a gateway's state, at `receivedMs` (the will's own time is when the gateway
    /// connected, not when it was lost).
    static func change(_ e: CloudEvent<GatewayStatus>, topics: Topics, receivedMs: Int64) -> Change {
        let offline = e.data.state == .offline
        return Change(
            site: topics.site, gateway: topics.gateway, worker: "", kind: gatewayOffline, condition: topics.gateway,
            phase: offline ? .alarm : .cleared,
            severity: !offline ? .info : e.data.reason == GatewayStatus.stopped ? .warning : .alarm,
            timeMs: receivedMs, eventID: e.id, receivedMs: receivedMs)
    }

    /// The kind of the alert a gateway's unreadable alarm opens (a newer agent's
    /// event type this collector does not know, a payload that breaks the schema):
    /// what it said cannot be shown, so that it said something must be. Keyed by
    /// the gateway as its condition, with no worker; each refusal is logged with
    /// its topic and reason, and counted by kind. Nothing clears it (an alert open too long
    /// is the safe mistake), and the gateway's resends do not touch it again: apply it `onlyIfNew`.
    static let unreadableAlarm = "unreadable-alarm"

    /// An alarm-topic message from `topics`' gateway was refused.
    static func unreadable(topics: Topics, receivedMs: Int64) -> Change {
        Change(
            site: topics.site, gateway: topics.gateway, worker: "", kind: unreadableAlarm,
            condition: topics.gateway, phase: .alarm, severity: .alarm, timeMs: receivedMs, eventID: "",
            receivedMs: receivedMs)
    }

    /// The kind of the alert an occupational-accident report not delivered 7 hours after its
    /// incident opens (docs/egov.md): the law gives the employer 8. Keyed by the report as its
    /// condition, with no worker; a coordinator resolves it once the report went another way.
    /// Apply it `onlyIfNew`.
    static let reportOverdue = "report-overdue"

    static func overdue(_ r: ReportRow, site: String, nowMs: Int64) -> Change {
        Change(
            site: site, gateway: "", worker: "", kind: reportOverdue, condition: "report-\(r.id)", phase: .alarm,
            severity: .critical, timeMs: nowMs, eventID: "", receivedMs: nowMs,
            values: ["report": Double(r.id), "alert": Double(r.alertID), "deadline_ms": Double(r.deadlineMs)])
    }

    /// The newest alert of a change's key that is not cleared, as its row holds it.
    struct OpenAlert {
        var id: Int64
        var gateway: String
        var openedMs: Int64
        var updatedMs: Int64
        /// The last known location's JSON.
        var location: String?
        var state: AlarmPhase?
        var handling: AlertHandling
    }

    /// What a change does to the alerts of its key.
    enum Step {
        /// Nothing: stored as an event only.
        case ignore
        /// The open alert becomes `record`; its `location` column becomes this JSON.
        case update(AlertRecord, location: String?)
        /// A new alert opens (``opened(_:id:)``).
        case open
    }

    /// What `d` does, given the newest alert of its key not cleared (`newest`) and whether a
    /// newer alert of the key exists beside it (`superseded`; only asked when `newest` is resolved).
    ///
    /// An alert a coordinator resolved while its condition is still on takes
    /// only that condition's clear. Its worsening (pre-alarm to alarm) opens a
    /// new alert, and so does an unreadable alarm: a resolution must not hide
    /// what came after it. Once a newer alert of the condition exists, the
    /// resolved one takes nothing at all. An older event (a resend that
    /// overtook a newer one) does not roll an alert back.
    static func step(_ d: Change, newest: OpenAlert?, superseded: Bool, onlyIfNew: Bool) throws -> Step {
        var open = newest
        if let resolved = open, resolved.handling.resolvedMs != nil {
            if superseded {
                open = nil
            } else if d.phase != .cleared {
                guard onlyIfNew || (d.phase == .alarm && resolved.state == .preAlarm) else { return .ignore }
                open = nil
            }
        }
        guard let open else {
            // A clear for an alert this collector never saw open: stored as an event, no alert.
            return d.phase == .cleared ? .ignore : .open
        }
        guard !onlyIfNew, d.timeMs >= open.updatedMs else { return .ignore }
        // Rebuilt from the columns, not by decoding the snapshot; the last known location is kept.
        let location = try d.location ?? open.location.map { try JSONDecoder().decode(AlarmData.LocationData.self, from: Data($0.utf8)) }
        var record = AlertRecord(
            id: open.id, site: d.site, gateway: open.gateway, worker: d.worker, kind: d.kind,
            condition: d.condition, state: d.phase, severity: d.severity,
            opened: RFC3339.format(ms: open.openedMs), updated: RFC3339.format(ms: d.timeMs),
            event_id: d.eventID, location: location, values: d.values)
        record.gateway_time = d.gatewayTimeMs.map(RFC3339.format)
        open.handling.apply(to: &record)
        return .update(record, location: location.map(AlertRecord.json))
    }

    /// The alert `d` opens, once its row has `id`.
    static func opened(_ d: Change, id: Int64) -> AlertRecord {
        let time = RFC3339.format(ms: d.timeMs)
        var record = AlertRecord(
            id: id, site: d.site, gateway: d.gateway, worker: d.worker, kind: d.kind, condition: d.condition,
            state: d.phase, severity: d.severity, opened: time, updated: time, event_id: d.eventID, location: d.location,
            values: d.values)
        record.gateway_time = d.gatewayTimeMs.map(RFC3339.format)
        return record
    }
}
