import Foundation
import GRDB
import Wire

/// Turns stored alarm events into alerts and alert changes, inside the
/// commit's transaction. An alert is keyed by site, gateway, worker, kind and
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

    /// Applies one newly stored alarm event at `timeMs` (``plausibleTime(_:receivedMs:)``); true when an alert was created or changed.
    static func apply(_ e: CloudEvent<AlarmData>, topics: Topics, timeMs: Int64, receivedMs: Int64, db: Database) throws -> Bool {
        let d = e.data
        return try apply(
            Change(
                site: topics.site, gateway: topics.gateway, worker: e.subject ?? "", kind: d.kind.rawValue,
                condition: d.condition, phase: d.phase, severity: d.severity, timeMs: timeMs, eventID: e.id,
                gatewayTimeMs: timeMs == d.time_ms ? nil : d.time_ms,
                receivedMs: receivedMs, location: d.location, values: d.values), db: db)
    }

    /// The kind of the alert a gateway's `offline` opens and its `online` clears. A gateway
    /// that is gone watches nobody: its workers' alarms reach only their own devices (and the
    /// gateway's siren, if it still has power) until it is back. Keyed by the gateway as its
    /// condition, with no worker.
    static let gatewayOffline = "gateway-offline"

    /// A change of a gateway's state, at `receivedMs` (the will's own time is when the gateway
    /// connected, not when it was lost); true when an alert was created or changed.
    static func apply(_ e: CloudEvent<GatewayStatus>, topics: Topics, receivedMs: Int64, db: Database) throws -> Bool {
        let offline = e.data.state == .offline
        return try apply(
            Change(
                site: topics.site, gateway: topics.gateway, worker: "", kind: gatewayOffline, condition: topics.gateway,
                phase: offline ? .alarm : .cleared,
                severity: !offline ? .info : e.data.reason == GatewayStatus.stopped ? .warning : .alarm,
                timeMs: receivedMs, eventID: e.id, receivedMs: receivedMs), db: db)
    }

    /// The kind of the alert a gateway's unreadable alarm opens (a newer agent's
    /// event type this collector does not know, a payload that breaks the schema):
    /// what it said cannot be shown, so that it said something must be. Keyed by
    /// the gateway as its condition, with no worker; each refusal is logged with
    /// its topic and reason, and counted by kind. Nothing clears it (an alert open too long
    /// is the safe mistake), and the gateway's resends do not touch it again.
    static let unreadableAlarm = "unreadable-alarm"

    /// An alarm-topic message from `topics`' gateway was refused; true when an alert opened.
    static func applyUnreadable(topics: Topics, receivedMs: Int64, db: Database) throws -> Bool {
        try apply(
            Change(
                site: topics.site, gateway: topics.gateway, worker: "", kind: unreadableAlarm,
                condition: topics.gateway, phase: .alarm, severity: .alarm, timeMs: receivedMs, eventID: "",
                receivedMs: receivedMs),
            onlyIfNew: true, db: db)
    }

    /// The kind of the alert an occupational-accident report not delivered 7 hours after its
    /// incident opens (docs/egov.md): the law gives the employer 8. Keyed by the report as its
    /// condition, with no worker; a coordinator resolves it once the report went another way.
    static let reportOverdue = "report-overdue"

    static func applyOverdueReport(_ r: ReportRow, site: String, nowMs: Int64, db: Database) throws -> Bool {
        try apply(
            Change(
                site: site, gateway: "", worker: "", kind: reportOverdue, condition: "report-\(r.id)", phase: .alarm,
                severity: .critical, timeMs: nowMs, eventID: "", receivedMs: nowMs,
                values: ["report": Double(r.id), "alert": Double(r.alertID), "deadline_ms": Double(r.deadlineMs)]),
            onlyIfNew: true, db: db)
    }

    /// Statements are cached and bound through SQLite's C API, and JSON is
    /// written by hand: with prepared-anew statements and Foundation's coders
    /// this was half the time of a commit with alarms in it.
    ///
    /// An alert a coordinator resolved while its condition is still on takes
    /// only that condition's clear. Its worsening (pre-alarm to alarm) opens a
    /// new alert, and so does an unreadable alarm: a resolution must not hide
    /// what came after it. Once a newer alert of the condition exists, the
    /// resolved one takes nothing at all.
    private static func apply(_ d: Change, onlyIfNew: Bool = false, db: Database) throws -> Bool {
        var open = try BoundStatement(
            db,
            sql: """
                SELECT alert_id, gateway, opened_ms, updated_ms, location, state, \(AlertHandling.columns) FROM alerts
                WHERE site = ? AND worker = ? AND kind = ? AND condition = ? AND gateway = ? AND state != 'cleared'
                ORDER BY alert_id DESC LIMIT 1
                """
        ).first(.text(d.site), .text(d.worker), .text(d.kind), .text(d.condition), .text(d.gateway)) {
            (
                id: $0.int64(0), gateway: $0.text(1) ?? "", openedMs: $0.int64(2), updatedMs: $0.int64(3), location: $0.text(4),
                state: $0.text(5).flatMap(AlarmPhase.init), handling: AlertHandling($0, from: 6)
            )
        }
        if let resolved = open, resolved.handling.resolvedMs != nil {
            // Superseded: the alert its worsening opened has come and gone; this one takes nothing more.
            let superseded =
                try BoundStatement(
                    db,
                    sql: """
                        SELECT 1 FROM alerts WHERE site = ? AND worker = ? AND kind = ? AND condition = ? AND gateway = ? AND alert_id > ? LIMIT 1
                        """
                ).first(.text(d.site), .text(d.worker), .text(d.kind), .text(d.condition), .text(d.gateway), .int(resolved.id)) { _ in true } ?? false
            if superseded {
                open = nil
            } else if d.phase != .cleared {
                guard onlyIfNew || (d.phase == .alarm && resolved.state == .preAlarm) else { return false }
                open = nil
            }
        }
        var record: AlertRecord, snapshot: String
        if let open {
            if onlyIfNew { return false }
            // An older event (a resend that overtook a newer one) does not roll the alert back.
            guard d.timeMs >= open.updatedMs else { return false }
            // Rebuilt from the columns, not by decoding the snapshot; the last known location is kept.
            let location =
                try d.location
                ?? open.location.map {
                    try JSONDecoder().decode(AlarmData.LocationData.self, from: Data($0.utf8))
                }
            record = AlertRecord(
                id: open.id, site: d.site, gateway: open.gateway, worker: d.worker, kind: d.kind,
                condition: d.condition, state: d.phase, severity: d.severity,
                opened: RFC3339.format(ms: open.openedMs), updated: RFC3339.format(ms: d.timeMs),
                event_id: d.eventID, location: location, values: d.values)
            record.gateway_time = d.gatewayTimeMs.map(RFC3339.format)
            open.handling.apply(to: &record)
            snapshot = record.json
            try BoundStatement(db, sql: "UPDATE alerts SET state = ?, updated_ms = ?, location = ?, snapshot = ? WHERE alert_id = ?")
                .run(.text(d.phase.rawValue), .int(d.timeMs), .text(location.map(AlertRecord.json)), .text(snapshot), .int(record.id))
        } else {
            // A clear for an alert this collector never saw open: stored as an event, no alert.
            guard d.phase != .cleared else { return false }
            try BoundStatement(
                db,
                sql: """
                    INSERT INTO alerts (site, gateway, worker, kind, condition, state, opened_ms, updated_ms, location, snapshot, created_ms)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '{}', ?)
                    """
            ).run(
                .text(d.site), .text(d.gateway), .text(d.worker), .text(d.kind), .text(d.condition), .text(d.phase.rawValue),
                .int(d.timeMs), .int(d.timeMs), .text(d.location.map(AlertRecord.json)), .int(d.receivedMs))
            let time = RFC3339.format(ms: d.timeMs)
            record = AlertRecord(
                id: db.lastInsertedRowID, site: d.site, gateway: d.gateway, worker: d.worker,
                kind: d.kind, condition: d.condition, state: d.phase, severity: d.severity,
                opened: time, updated: time, event_id: d.eventID, location: d.location, values: d.values)
            record.gateway_time = d.gatewayTimeMs.map(RFC3339.format)
            snapshot = record.json
            try BoundStatement(db, sql: "UPDATE alerts SET snapshot = ? WHERE alert_id = ?").run(.text(snapshot), .int(record.id))
        }
        // Through GRDB, not a ``BoundStatement``: its observation (``AlertLogObserver``) sees only
        // the statements it runs, and this one wakes the feed. Cached: preparing it anew for
        // every alarm cost the ingest about 6 % (docs/performance.md).
        try db.cachedStatement(sql: "INSERT INTO alert_changes (alert_id, snapshot) VALUES (?, ?)")
            .execute(arguments: [record.id, snapshot])
        return true
    }
}
