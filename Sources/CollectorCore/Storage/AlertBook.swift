import Foundation
import GRDB
import Wire

/// Turns stored alarm events into alerts and alert changes, inside the
/// commit's transaction. An alert is keyed by site, worker, kind and
/// condition; at most one is open (not cleared) per key.
enum AlertBook {
    /// Applies one newly stored alarm event; true when an alert was created or changed.
    static func apply(_ e: CloudEvent<AlarmData>, topics: Topics, db: Database) throws -> Bool {
        let d = e.data
        let worker = e.subject ?? ""
        // Cached statements: preparing them anew was half the time of a commit with alarms in it.
        let open = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT alert_id, updated_ms, snapshot FROM alerts
            WHERE site = ? AND worker = ? AND kind = ? AND condition = ? AND state != 'cleared'
            ORDER BY alert_id DESC LIMIT 1
            """), arguments: [topics.site, worker, d.kind, d.condition])
        let snapshot: String
        var record: AlertRecord
        if let open {
            // An older event (a resend that overtook a newer one) does not roll the alert back.
            guard d.time_ms >= open["updated_ms"] as Int64,
                  var current = try? JSONDecoder().decode(AlertRecord.self, from: Data((open["snapshot"] as String).utf8)) else {
                return false
            }
            current.state = d.phase
            current.severity = d.severity
            current.updated = RFC3339.format(ms: d.time_ms)
            current.event_id = e.id
            current.location = d.location ?? current.location
            current.values = d.values
            record = current
            snapshot = JSONText.encode(record)
            try db.cachedStatement(sql: "UPDATE alerts SET state = ?, updated_ms = ?, snapshot = ? WHERE alert_id = ?")
                .execute(arguments: [d.phase, d.time_ms, snapshot, record.id])
        } else {
            // A clear for an alert this collector never saw open: stored as an event, no alert.
            guard d.phase != "cleared" else { return false }
            try db.cachedStatement(sql: """
                INSERT INTO alerts (site, gateway, worker, kind, condition, state, opened_ms, updated_ms, snapshot)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, '{}')
                """).execute(arguments: [topics.site, topics.gateway, worker, d.kind, d.condition, d.phase, d.time_ms, d.time_ms])
            let time = RFC3339.format(ms: d.time_ms)
            record = AlertRecord(id: db.lastInsertedRowID, site: topics.site, gateway: topics.gateway, worker: worker,
                                 kind: d.kind, condition: d.condition, state: d.phase, severity: d.severity,
                                 opened: time, updated: time, event_id: e.id, location: d.location, values: d.values)
            snapshot = JSONText.encode(record)
            try db.cachedStatement(sql: "UPDATE alerts SET snapshot = ? WHERE alert_id = ?").execute(arguments: [snapshot, record.id])
        }
        try db.cachedStatement(sql: "INSERT INTO alert_changes (alert_id, snapshot) VALUES (?, ?)").execute(arguments: [record.id, snapshot])
        return true
    }
}
