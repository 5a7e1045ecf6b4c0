import Foundation
import GRDB
import Wire

/// Turns stored alarm events into alerts and alert changes, inside the
/// commit's transaction. An alert is keyed by site, worker, kind and
/// condition; at most one is open (not cleared) per key.
enum AlertBook {
    /// Applies one newly stored alarm event; true when an alert was created or changed.
    /// Statements are cached and bound through SQLite's C API, and JSON is
    /// written by hand: with prepared-anew statements and Foundation's coders
    /// this was half the time of a commit with alarms in it.
    static func apply(_ e: CloudEvent<AlarmData>, topics: Topics, db: Database) throws -> Bool {
        let d = e.data
        let worker = e.subject ?? ""
        let open = try BoundStatement(db, sql: """
            SELECT alert_id, gateway, opened_ms, updated_ms, location FROM alerts
            WHERE site = ? AND worker = ? AND kind = ? AND condition = ? AND state != 'cleared'
            ORDER BY alert_id DESC LIMIT 1
            """).first(.text(topics.site), .text(worker), .text(d.kind), .text(d.condition)) {
            (id: $0.int64(0), gateway: $0.text(1) ?? "", openedMs: $0.int64(2), updatedMs: $0.int64(3), location: $0.text(4))
        }
        let record: AlertRecord, snapshot: String
        if let open {
            // An older event (a resend that overtook a newer one) does not roll the alert back.
            guard d.time_ms >= open.updatedMs else { return false }
            // Rebuilt from the columns, not by decoding the snapshot; the last known location is kept.
            let location = try d.location ?? open.location.map {
                try JSONDecoder().decode(AlarmData.LocationData.self, from: Data($0.utf8))
            }
            record = AlertRecord(id: open.id, site: topics.site, gateway: open.gateway, worker: worker, kind: d.kind,
                                 condition: d.condition, state: d.phase, severity: d.severity,
                                 opened: RFC3339.format(ms: open.openedMs), updated: RFC3339.format(ms: d.time_ms),
                                 event_id: e.id, location: location, values: d.values)
            snapshot = record.json
            try BoundStatement(db, sql: "UPDATE alerts SET state = ?, updated_ms = ?, location = ?, snapshot = ? WHERE alert_id = ?")
                .run(.text(d.phase), .int(d.time_ms), .text(location.map(AlertRecord.json)), .text(snapshot), .int(record.id))
        } else {
            // A clear for an alert this collector never saw open: stored as an event, no alert.
            guard d.phase != "cleared" else { return false }
            try BoundStatement(db, sql: """
                INSERT INTO alerts (site, gateway, worker, kind, condition, state, opened_ms, updated_ms, location, snapshot)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '{}')
                """).run(.text(topics.site), .text(topics.gateway), .text(worker), .text(d.kind), .text(d.condition), .text(d.phase),
                         .int(d.time_ms), .int(d.time_ms), .text(d.location.map(AlertRecord.json)))
            let time = RFC3339.format(ms: d.time_ms)
            record = AlertRecord(id: db.lastInsertedRowID, site: topics.site, gateway: topics.gateway, worker: worker,
                                 kind: d.kind, condition: d.condition, state: d.phase, severity: d.severity,
                                 opened: time, updated: time, event_id: e.id, location: d.location, values: d.values)
            snapshot = record.json
            try BoundStatement(db, sql: "UPDATE alerts SET snapshot = ? WHERE alert_id = ?").run(.text(snapshot), .int(record.id))
        }
        try BoundStatement(db, sql: "INSERT INTO alert_changes (alert_id, snapshot) VALUES (?, ?)").run(.int(record.id), .text(snapshot))
        return true
    }
}
