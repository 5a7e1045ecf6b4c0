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

    /// Whether a gateway's time is one to believe at all: clocks drift and NTP may be
    /// late on a gateway that just booted, and an outbox resends what waited through
    /// an outage with its true times, but within these bounds. Found: an alarm dated
    /// 2100 made the real clear that followed look older and be ignored; one dated
    /// 1970 escalated at once.
    static func isPlausible(_ timeMs: Int64, receivedMs: Int64) -> Bool {
        (receivedMs - maxBehindMs...receivedMs + maxAheadMs).contains(timeMs)
    }

    /// The time an alarm's alert takes (docs/collector.md, "Times"): the gateway's own
    /// (`data.time_ms`), less the gateway's clock offset when that is beyond
    /// ``GatewayClocks/toleranceMs`` (``GatewayClocks``); the collector's clock when the
    /// gateway's time is implausible. A gateway running minutes ahead would otherwise date
    /// an incident after the collector knew of it, and a coordinator's answer before the
    /// alarm it answered. The event is stored as received; the alert shows what the
    /// gateway said as `gateway_time`.
    static func alarmTime(_ timeMs: Int64, receivedMs: Int64, clockOffsetMs: Int64?) -> Int64 {
        guard isPlausible(timeMs, receivedMs: receivedMs) else { return receivedMs }
        guard let offset = clockOffsetMs, abs(offset) > GatewayClocks.toleranceMs else { return timeMs }
        return timeMs - offset
    }

    /// What an event says about one alert.
    struct Change {
        var site: String, gateway: String, worker: String, kind: String, condition: String
        var phase: AlarmPhase, severity: AlarmSeverity, timeMs: Int64, eventID: String
        /// The gateway's own time, when it was implausible and `timeMs` is the collector's.
        var gatewayTimeMs: Int64? = nil
        /// The collector's clock when the event came.
        var receivedMs: Int64
        /// What orders the changes of one alert: the gateway's own time when it is plausible
        /// (one gateway's clock never goes back, ``AgentClock``), else the collector's. Not
        /// `timeMs`: the offset taken off it is an estimate that moves between two events.
        var orderMs: Int64
        var location: AlarmData.LocationData? = nil
        var values: [String: Double] = [:]
        /// The condition as its gateway sent it, when the alert it changes stands for its
        /// cause (``AlertCause``): `kind` and `condition` are then the cause's.
        var member: (kind: String, condition: String)? = nil
    }

    /// The change one newly stored alarm event makes, at `timeMs` (``alarmTime(_:receivedMs:clockOffsetMs:)``).
    static func change(_ e: CloudEvent<AlarmData>, topics: Topics, timeMs: Int64, receivedMs: Int64) -> Change {
        let d = e.data, worker = e.subject ?? ""
        var change = Change(
            site: topics.site, gateway: topics.gateway, worker: worker, kind: d.kind.rawValue,
            condition: d.condition, phase: d.phase, severity: d.severity, timeMs: timeMs, eventID: e.id,
            gatewayTimeMs: timeMs == d.time_ms ? nil : d.time_ms,
            receivedMs: receivedMs, orderMs: isPlausible(d.time_ms, receivedMs: receivedMs) ? d.time_ms : receivedMs,
            location: d.location, values: d.values)
        if AlertCause.isEquipment(kind: change.kind, condition: d.condition, worker: worker) {
            change.member = (change.kind, d.condition)
            change.kind = AlertCause.equipment
            change.condition = AlertCause.equipment
        }
        return change
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
            timeMs: receivedMs, eventID: e.id, receivedMs: receivedMs, orderMs: receivedMs)
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
            receivedMs: receivedMs, orderMs: receivedMs)
    }

    /// The kind of the alert an occupational-accident report not delivered 7 hours after its
    /// incident opens (docs/egov.md): the law gives the employer 8. Keyed by the report as its
    /// condition, with no worker; a coordinator resolves it once the report went another way.
    /// Apply it `onlyIfNew`.
    static let reportOverdue = "report-overdue"

    static func overdue(_ r: ReportRow, site: String, nowMs: Int64) -> Change {
        Change(
            site: site, gateway: "", worker: "", kind: reportOverdue, condition: "report-\(r.id)", phase: .alarm,
            severity: .critical, timeMs: nowMs, eventID: "", receivedMs: nowMs, orderMs: nowMs,
            values: ["report": Double(r.id), "alert": Double(r.alertID), "deadline_ms": Double(r.deadlineMs)])
    }

    /// The kind of the alert a break in the audit log's hash chain opens (``AuditChain``):
    /// someone changed the record of who did what, and an administrator must find out who.
    /// No site, gateway or worker; the first break's seq and how many were found in its values.
    /// Apply it `onlyIfNew`: while it is open, later breaks are recorded in the log only.
    static let auditBroken = "audit-broken"

    static func auditBroken(first: Int64, count: Int, nowMs: Int64) -> Change {
        Change(
            site: "", gateway: "", worker: "", kind: auditBroken, condition: "audit", phase: .alarm, severity: .critical,
            timeMs: nowMs, eventID: "", receivedMs: nowMs, orderMs: nowMs, values: ["seq": Double(first), "breaks": Double(count)])
    }

    /// The newest alert of a change's key that is not cleared, as its row holds it.
    struct OpenAlert {
        var id: Int64
        var gateway: String
        var openedMs: Int64
        var updatedMs: Int64
        /// The `orderMs` of its last change (``Change/orderMs``).
        var orderMs: Int64
        var location: String?
        var state: AlarmPhase?
        var handling: AlertHandling
        /// The `worst` and `covers` columns' JSON.
        var worst: String? = nil
        var covers: String? = nil

        /// The columns the stores read before ``AlertHandling/columns``, in this order.
        static let columns = "alert_id, gateway, opened_ms, updated_ms, COALESCE(order_ms, updated_ms), location, state, worst, covers"
    }

    /// What a change does to the alerts of its key.
    enum Step {
        /// Nothing: stored as an event only.
        case ignore
        /// The open alert becomes `record` (its columns: ``Columns``).
        case update(AlertRecord, Columns)
        /// A new alert opens as `record` (``opened(_:)``), which takes its row's id once inserted (its columns: ``Columns``).
        case open(AlertRecord, Columns)
    }

    /// What a step writes to an alert's row besides its snapshot: its phase and time
    /// (``alarmTime(_:receivedMs:clockOffsetMs:)``), and the JSON of its location, worst
    /// reading and members.
    struct Columns {
        var state: AlarmPhase
        var updatedMs: Int64
        var orderMs: Int64
        var location: String?
        var worst: String?
        var covers: String?

        init(_ record: AlertRecord, updatedMs: Int64, orderMs: Int64) {
            state = record.state
            self.updatedMs = updatedMs
            self.orderMs = orderMs
            location = record.location.map(AlertRecord.json)
            worst = record.worst.map(AlertRecord.json)
            covers = record.covers.map(AlertRecord.json)
        }
    }

    /// What `d` does, given the newest alert of its key not cleared (`newest`) and whether a
    /// newer alert of the key exists beside it (`superseded`; only asked when `newest` is resolved).
    ///
    /// An alert a coordinator resolved while its condition is still on takes
    /// only that condition's clear. Its worsening (pre-alarm to alarm, or for an
    /// alert of one cause a member that was not on) opens a new alert, and so
    /// does an unreadable alarm: a resolution must not hide what came after it.
    /// Once a newer alert of the condition exists, the resolved one takes
    /// nothing at all. An older event (a resend that overtook a newer one) does
    /// not roll an alert, or a member of it, back.
    static func step(_ d: Change, newest: OpenAlert?, superseded: Bool, onlyIfNew: Bool) throws -> Step {
        var open = newest
        let covers = try open?.covers.map { try JSONDecoder().decode([AlertRecord.Covered].self, from: Data($0.utf8)) }
        if let resolved = open, resolved.handling.resolvedMs != nil {
            if superseded {
                open = nil
            } else if d.phase != .cleared {
                let was = d.member.flatMap { m in covers?.first { $0.kind == m.kind && $0.condition == m.condition } }
                let worsens =
                    d.member == nil
                    ? d.phase == .alarm && resolved.state == .preAlarm
                    : was == nil || was?.state == .cleared || (d.phase == .alarm && was?.state == .preAlarm)
                guard onlyIfNew || worsens else { return .ignore }
                open = nil
            }
        }
        guard let open else {
            // A clear for an alert this collector never saw open: stored as an event, no alert.
            if d.phase == .cleared { return .ignore }
            let record = opened(d)
            return .open(record, Columns(record, updatedMs: d.timeMs, orderMs: d.orderMs))
        }
        guard !onlyIfNew else { return .ignore }
        var record = AlertRecord(
            id: open.id, site: d.site, gateway: open.gateway, worker: d.worker, kind: d.kind,
            condition: d.condition, state: d.phase, severity: d.severity,
            opened: RFC3339.format(ms: open.openedMs), updated: RFC3339.format(ms: max(d.timeMs, open.updatedMs)),
            eventId: d.eventID, location: nil, values: d.values)
        if let member = d.member {
            var members = covers ?? []
            let now = RFC3339.format(ms: d.timeMs)
            if let i = members.firstIndex(where: { $0.kind == member.kind && $0.condition == member.condition }) {
                guard d.orderMs >= members[i].orderMs else { return .ignore }
                if members[i].state == .cleared, d.phase != .cleared { members[i].since = now }
                members[i].state = d.phase
                members[i].severity = d.severity
                members[i].updated = now
                members[i].orderMs = d.orderMs
                members[i].values = d.values
            } else {
                // A clear of a member this alert never had changes nothing.
                guard d.phase != .cleared else { return .ignore }
                members.append(covered(d, member))
            }
            record.covers = members
            record.state = AlertCause.phase(members)
            record.severity = AlertCause.severity(members)
        } else {
            guard d.orderMs >= open.orderMs else { return .ignore }
        }
        // Rebuilt from the columns, not by decoding the snapshot; the last known location is kept.
        record.location = try d.location ?? open.location.map { try JSONDecoder().decode(AlarmData.LocationData.self, from: Data($0.utf8)) }
        let before = try open.worst.map { try JSONDecoder().decode(AlertRecord.Worst.self, from: Data($0.utf8)) }
        record.worst = worse(Self.worst(of: d, severity: record.severity), than: before)
        record.gatewayTime = d.gatewayTimeMs.map(RFC3339.format)
        open.handling.apply(to: &record)
        return .update(record, Columns(record, updatedMs: max(d.timeMs, open.updatedMs), orderMs: max(d.orderMs, open.orderMs)))
    }

    /// The alert `d` opens, with id 0 until its row has one.
    private static func opened(_ d: Change) -> AlertRecord {
        let time = RFC3339.format(ms: d.timeMs)
        var record = AlertRecord(
            id: 0, site: d.site, gateway: d.gateway, worker: d.worker, kind: d.kind, condition: d.condition,
            state: d.phase, severity: d.severity, opened: time, updated: time, eventId: d.eventID, location: d.location,
            values: d.values)
        record.gatewayTime = d.gatewayTimeMs.map(RFC3339.format)
        record.covers = d.member.map { [covered(d, $0)] }
        record.worst = worst(of: d, severity: d.severity)
        return record
    }

    private static func covered(_ d: Change, _ member: (kind: String, condition: String)) -> AlertRecord.Covered {
        let time = RFC3339.format(ms: d.timeMs)
        return AlertRecord.Covered(
            kind: member.kind, condition: member.condition, state: d.phase, severity: d.severity, since: time, updated: time,
            orderMs: d.orderMs, values: d.values)
    }

    /// What `d` says of its alert at its worst, when it is on (a clear says nothing about how bad it was).
    private static func worst(of d: Change, severity: AlarmSeverity) -> AlertRecord.Worst? {
        d.phase == .cleared ? nil : AlertRecord.Worst(severity: severity, values: d.values, time: RFC3339.format(ms: d.timeMs))
    }

    /// The worse of a new reading and the alert's worst so far: the graver severity, and at
    /// the same severity the reading further beyond its limit (``extremity(_:)``). A tie
    /// keeps the earlier: the worst was reached when it was first reached.
    static func worse(_ new: AlertRecord.Worst?, than old: AlertRecord.Worst?) -> AlertRecord.Worst? {
        guard let new else { return old }
        guard let old else { return new }
        if new.severity != old.severity { return new.severity > old.severity ? new : old }
        guard let n = extremity(new.values), let o = extremity(old.values) else { return old }
        return n > o ? new : old
    }

    /// How far a reading is into its alarm, larger is worse: a value below its limit (oxygen,
    /// a lower limit) counts downwards, above it upwards; then an exposure average, a
    /// battery's charge (downwards), how long a worker lay still or a device was silent.
    static func extremity(_ v: [String: Double]) -> Double? {
        if let value = v["value"], let limit = v["limit"] { return value < limit ? -value : value }
        if let average = v["stel"] ?? v["twa"] { return average }
        if let percent = v["percent"] { return -percent }
        return v["stillMs"] ?? v["preAlarmMs"] ?? v["silentMs"]
    }
}
