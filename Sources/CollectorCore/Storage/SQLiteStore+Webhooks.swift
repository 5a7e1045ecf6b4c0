import GRDB

/// Each webhook's place in the alert change log (``CollectorStore``'s webhook methods). One
/// collector uses a SQLite file, so the lease only ever finds itself; it is kept for the same
/// meaning as on PostgreSQL.
extension SQLiteStore {
    public func registerWebhook(_ hook: String) throws {
        try pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO webhook_cursors (hook, seq, owner, lease_until_ms)
                    VALUES (?, (SELECT COALESCE(MAX(seq), 0) FROM alert_changes), '', 0) ON CONFLICT (hook) DO NOTHING
                    """, arguments: [hook])
        }
    }

    public func claimWebhook(_ hook: String, owner: String, nowMs: Int64, leaseMs: Int64) throws -> Int64? {
        try pool.write { db in
            try Int64.fetchOne(
                db,
                sql: """
                    UPDATE webhook_cursors SET owner = ?, lease_until_ms = ?
                    WHERE hook = ? AND (owner = ? OR lease_until_ms <= ?) RETURNING seq
                    """, arguments: [owner, nowMs + leaseMs, hook, owner, nowMs])
        }
    }

    public func advanceWebhook(_ hook: String, to seq: Int64, owner: String, nowMs: Int64, leaseMs: Int64) throws -> Bool {
        try pool.write { db in
            try db.execute(
                sql: "UPDATE webhook_cursors SET seq = ?, lease_until_ms = ? WHERE hook = ? AND owner = ?",
                arguments: [seq, nowMs + leaseMs, hook, owner])
            return db.changesCount == 1
        }
    }

    public func alertChange(before seq: Int64, alert id: Int64) throws -> String? {
        try pool.read { db in
            try String.fetchOne(
                db, sql: "SELECT snapshot FROM alert_changes WHERE alert_id = ? AND seq < ? ORDER BY seq DESC LIMIT 1", arguments: [id, seq])
        }
    }
}
