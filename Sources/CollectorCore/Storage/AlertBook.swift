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
            SELECT alert_id, gateway, opened_ms, updated_ms, location FROM alerts
            WHERE site = ? AND worker = ? AND kind = ? AND condition = ? AND state != 'cleared'
            ORDER BY alert_id DESC LIMIT 1
            """), arguments: [topics.site, worker, d.kind, d.condition])
        let record: AlertRecord, snapshot: String
        if let open {
            // An older event (a resend that overtook a newer one) does not roll the alert back.
            guard d.time_ms >= open["updated_ms"] as Int64 else { return false }
            // Rebuilt from the columns, not by decoding the snapshot: Foundation's JSONDecoder was a quarter of a commit's time.
            let location = try d.location ?? (open["location"] as String?).map {
                try JSONDecoder().decode(AlarmData.LocationData.self, from: Data($0.utf8))
            }
            record = AlertRecord(id: open["alert_id"], site: topics.site, gateway: open["gateway"], worker: worker, kind: d.kind,
                                 condition: d.condition, state: d.phase, severity: d.severity,
                                 opened: RFC3339.format(ms: open["opened_ms"]), updated: RFC3339.format(ms: d.time_ms),
                                 event_id: e.id, location: location, values: d.values)
            snapshot = record.json
            try db.cachedStatement(sql: "UPDATE alerts SET state = ?, updated_ms = ?, location = ?, snapshot = ? WHERE alert_id = ?")
                .execute(arguments: [d.phase, d.time_ms, location.map(JSONText.encode), snapshot, record.id])
        } else {
            // A clear for an alert this collector never saw open: stored as an event, no alert.
            guard d.phase != "cleared" else { return false }
            try db.cachedStatement(sql: """
                INSERT INTO alerts (site, gateway, worker, kind, condition, state, opened_ms, updated_ms, location, snapshot)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '{}')
                """).execute(arguments: [topics.site, topics.gateway, worker, d.kind, d.condition, d.phase, d.time_ms, d.time_ms,
                                         d.location.map(JSONText.encode)])
            let time = RFC3339.format(ms: d.time_ms)
            record = AlertRecord(id: db.lastInsertedRowID, site: topics.site, gateway: topics.gateway, worker: worker,
                                 kind: d.kind, condition: d.condition, state: d.phase, severity: d.severity,
                                 opened: time, updated: time, event_id: e.id, location: d.location, values: d.values)
            snapshot = record.json
            try db.cachedStatement(sql: "UPDATE alerts SET snapshot = ? WHERE alert_id = ?").execute(arguments: [snapshot, record.id])
        }
        try db.cachedStatement(sql: "INSERT INTO alert_changes (alert_id, snapshot) VALUES (?, ?)").execute(arguments: [record.id, snapshot])
        return true
    }
}
