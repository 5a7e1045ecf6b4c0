import PostgresNIO

/// Each webhook's place in the alert change log (``CollectorStore``'s webhook methods). The
/// lease keeps two collectors from telling one hook the same changes at once; a collector that
/// dies leaves the hook to another when its lease runs out.
extension PostgresStore {
    public func registerWebhook(_ hook: String) async throws {
        _ = try await rows(
            """
            INSERT INTO webhook_cursors (hook, seq, owner, lease_until_ms)
            VALUES (\(hook), (SELECT COALESCE(MAX(seq), 0) FROM alert_changes), '', 0) ON CONFLICT (hook) DO NOTHING
            """)
    }

    public func claimWebhook(_ hook: String, owner: String, nowMs: Int64, leaseMs: Int64) async throws -> Int64? {
        try await rows(
            """
            UPDATE webhook_cursors SET owner = \(owner), lease_until_ms = \(nowMs + leaseMs)
            WHERE hook = \(hook) AND (owner = \(owner) OR lease_until_ms <= \(nowMs)) RETURNING seq
            """
        ).first?.decode(Int64.self)
    }

    public func advanceWebhook(_ hook: String, to seq: Int64, owner: String, nowMs: Int64, leaseMs: Int64) async throws -> Bool {
        try await !rows(
            """
            UPDATE webhook_cursors SET seq = \(seq), lease_until_ms = \(nowMs + leaseMs)
            WHERE hook = \(hook) AND owner = \(owner) RETURNING 1
            """
        ).isEmpty
    }

    public func alertChange(before seq: Int64, alert id: Int64) async throws -> String? {
        try await rows("SELECT snapshot FROM alert_changes WHERE alert_id = \(id) AND seq < \(seq) ORDER BY seq DESC LIMIT 1").first?.decode(
            String.self)
    }
}
