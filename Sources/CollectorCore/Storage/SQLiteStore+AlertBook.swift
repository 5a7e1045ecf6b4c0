import GRDB
import Wire

extension SQLiteStore {
    /// Applies `d` to the alerts inside the commit's transaction, as ``AlertBook/step(_:newest:superseded:onlyIfNew:)``
    /// decides; true when an alert was created or changed, and then its change is in the log.
    ///
    /// Statements are cached and bound through SQLite's C API, and JSON is
    /// written by hand: with prepared-anew statements and Foundation's coders
    /// this was half the time of a commit with alarms in it.
    static func apply(_ d: AlertBook.Change, onlyIfNew: Bool = false, db: Database) throws -> Bool {
        let newest = try BoundStatement(
            db,
            sql: """
                SELECT \(AlertBook.OpenAlert.columns), \(AlertHandling.columns) FROM alerts
                WHERE site = ? AND worker = ? AND kind = ? AND condition = ? AND gateway = ? AND state != 'cleared'
                ORDER BY alert_id DESC LIMIT 1
                """
        ).first(.text(d.site), .text(d.worker), .text(d.kind), .text(d.condition), .text(d.gateway)) {
            AlertBook.OpenAlert(
                id: $0.int64(0), gateway: $0.text(1) ?? "", openedMs: $0.int64(2), updatedMs: $0.int64(3), orderMs: $0.int64(4),
                location: $0.text(5), state: $0.text(6).flatMap(AlarmPhase.init), handling: AlertHandling($0, from: 9), worst: $0.text(7),
                covers: $0.text(8))
        }
        var superseded = false
        if let resolved = newest, resolved.handling.resolvedMs != nil {
            superseded =
                try BoundStatement(
                    db,
                    sql: """
                        SELECT 1 FROM alerts WHERE site = ? AND worker = ? AND kind = ? AND condition = ? AND gateway = ? AND alert_id > ? LIMIT 1
                        """
                ).first(.text(d.site), .text(d.worker), .text(d.kind), .text(d.condition), .text(d.gateway), .int(resolved.id)) { _ in true } ?? false
        }
        let record: AlertRecord
        switch try AlertBook.step(d, newest: newest, superseded: superseded, onlyIfNew: onlyIfNew) {
        case .ignore: return false
        case .update(let updated, let c):
            record = updated
            try BoundStatement(
                db,
                sql: "UPDATE alerts SET state = ?, updated_ms = ?, order_ms = ?, location = ?, worst = ?, covers = ?, snapshot = ? WHERE alert_id = ?"
            )
            .run(
                .text(c.state.rawValue), .int(c.updatedMs), .int(c.orderMs), .text(c.location), .text(c.worst), .text(c.covers), .text(record.json),
                .int(record.id))
        case .open(var opened, let c):
            try BoundStatement(
                db,
                sql: """
                    INSERT INTO alerts (site, gateway, worker, kind, condition, state, opened_ms, updated_ms, order_ms, location, worst, covers,
                                        snapshot, created_ms)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}', ?)
                    """
            ).run(
                .text(d.site), .text(d.gateway), .text(d.worker), .text(d.kind), .text(d.condition), .text(c.state.rawValue),
                .int(d.timeMs), .int(c.updatedMs), .int(c.orderMs), .text(c.location), .text(c.worst), .text(c.covers), .int(d.receivedMs))
            opened.id = db.lastInsertedRowID
            record = opened
            try BoundStatement(db, sql: "UPDATE alerts SET snapshot = ? WHERE alert_id = ?").run(.text(record.json), .int(record.id))
        }
        // Through GRDB, not a ``BoundStatement``: its observation (``AlertLogObserver``) sees only
        // the statements it runs, and this one wakes the feed. Cached: preparing it anew for
        // every alarm cost the ingest about 6 % (docs/performance.md).
        try db.cachedStatement(sql: "INSERT INTO alert_changes (alert_id, snapshot) VALUES (?, ?)")
            .execute(arguments: [record.id, record.json])
        return true
    }
}
