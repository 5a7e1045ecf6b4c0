import Foundation
import Logging
import PostgresNIO

/// The collector's PostgreSQL schema, as numbered migrations: each runs once,
/// in its own transaction, and is recorded in `schema_migrations`. Collectors
/// that start together take turns (an advisory lock), so one migrates and the
/// others find it done.
///
/// The tables are SQLite's (``StoreSchema``) in PostgreSQL's types, with one
/// difference: telemetry is partitioned by month on its first reading's time
/// (``TelemetryPartitions``), so old months are dropped whole. A partitioned
/// table's unique keys must hold the partition key, so a message is unique by
/// `source`, `id` and `first_ms`; a resend carries the same readings, so the
/// same `first_ms`, and is still stored once.
enum PostgresSchema {
    static let migrations: [(version: Int, sql: String)] = [
        (
            1,
            """
            CREATE TABLE events (
                seq BIGSERIAL PRIMARY KEY,
                source TEXT NOT NULL,
                id TEXT NOT NULL,
                site TEXT NOT NULL,
                gateway TEXT NOT NULL,
                type TEXT NOT NULL,
                worker TEXT,
                time_ms BIGINT NOT NULL,
                received_ms BIGINT NOT NULL,
                event TEXT NOT NULL,
                UNIQUE (source, id)
            );
            CREATE INDEX events_time ON events (time_ms, seq);
            CREATE INDEX events_worker ON events (worker, time_ms);

            CREATE SEQUENCE telemetry_seq;
            CREATE TABLE telemetry (
                seq BIGINT NOT NULL DEFAULT nextval('telemetry_seq'),
                source TEXT NOT NULL,
                id TEXT NOT NULL,
                site TEXT NOT NULL,
                gateway TEXT NOT NULL,
                first_ms BIGINT NOT NULL,
                last_ms BIGINT NOT NULL,
                readings INTEGER NOT NULL,
                received_ms BIGINT NOT NULL,
                event TEXT NOT NULL,
                UNIQUE (source, id, first_ms)
            ) PARTITION BY RANGE (first_ms);
            CREATE INDEX telemetry_time ON telemetry (first_ms, seq);
            CREATE TABLE telemetry_longest (ms BIGINT NOT NULL);
            INSERT INTO telemetry_longest VALUES (0);

            CREATE TABLE workers (
                site TEXT NOT NULL,
                worker TEXT NOT NULL,
                gateway TEXT NOT NULL,
                last_seen_ms BIGINT NOT NULL,
                location TEXT,
                location_ms BIGINT,
                PRIMARY KEY (site, worker)
            );
            CREATE TABLE worker_readings (
                site TEXT NOT NULL,
                worker TEXT NOT NULL,
                kind TEXT NOT NULL,
                device TEXT NOT NULL,
                time_ms BIGINT NOT NULL,
                "values" TEXT NOT NULL,
                PRIMARY KEY (site, worker, kind)
            );

            CREATE TABLE alerts (
                alert_id BIGSERIAL PRIMARY KEY,
                site TEXT NOT NULL,
                gateway TEXT NOT NULL,
                worker TEXT NOT NULL,
                kind TEXT NOT NULL,
                condition TEXT NOT NULL,
                state TEXT NOT NULL,
                opened_ms BIGINT NOT NULL,
                updated_ms BIGINT NOT NULL,
                location TEXT,
                snapshot TEXT NOT NULL,
                created_ms BIGINT,
                acknowledged_ms BIGINT,
                acknowledged_by TEXT,
                resolved_ms BIGINT,
                resolved_by TEXT,
                resolution TEXT,
                note TEXT,
                escalated_ms BIGINT
            );
            CREATE INDEX alerts_open ON alerts (site, worker, kind, condition, state);
            CREATE INDEX alerts_unhandled ON alerts (opened_ms)
                WHERE acknowledged_ms IS NULL AND resolved_ms IS NULL AND escalated_ms IS NULL AND state != 'cleared';
            CREATE TABLE alert_changes (
                seq BIGSERIAL PRIMARY KEY,
                alert_id BIGINT NOT NULL,
                snapshot TEXT NOT NULL
            );

            CREATE TABLE gateways (
                site TEXT NOT NULL,
                gateway TEXT NOT NULL,
                state TEXT NOT NULL,
                time_ms BIGINT NOT NULL,
                PRIMARY KEY (site, gateway)
            );

            CREATE TABLE secrets (name TEXT PRIMARY KEY, value BYTEA NOT NULL);

            CREATE TABLE audit (
                seq BIGSERIAL PRIMARY KEY,
                time_ms BIGINT NOT NULL,
                action TEXT NOT NULL,
                actor TEXT NOT NULL,
                address TEXT,
                detail TEXT NOT NULL
            );
            CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;
            CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit FOR EACH ROW EXECUTE FUNCTION audit_append_only();
            CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

            CREATE TABLE incident_reports (
                report_id BIGSERIAL PRIMARY KEY,
                alert_id BIGINT NOT NULL UNIQUE,
                xroad_id TEXT NOT NULL UNIQUE,
                user_id TEXT NOT NULL,
                known_ms BIGINT NOT NULL,
                body TEXT NOT NULL,
                state TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_ms BIGINT NOT NULL,
                last_error TEXT,
                delivered_ms BIGINT,
                request_id TEXT,
                request_hash TEXT,
                overdue_alerted BOOLEAN NOT NULL DEFAULT false
            );
            CREATE TABLE incident_alerts (alert_id BIGINT PRIMARY KEY, report_id BIGINT NOT NULL);

            CREATE TABLE consents (
                site TEXT NOT NULL,
                worker TEXT NOT NULL,
                research BOOLEAN NOT NULL,
                changed_ms BIGINT NOT NULL,
                PRIMARY KEY (site, worker)
            );
            """
        ),
        (
            2,
            """
            CREATE TABLE webhook_cursors (
                hook TEXT PRIMARY KEY,
                seq BIGINT NOT NULL,
                owner TEXT NOT NULL,
                lease_until_ms BIGINT NOT NULL
            );
            CREATE INDEX alert_changes_alert ON alert_changes (alert_id, seq);
            """
        ),
        (
            3,
            """
            ALTER TABLE alerts ADD COLUMN worst TEXT;
            ALTER TABLE alerts ADD COLUMN covers TEXT;
            ALTER TABLE alerts ADD COLUMN order_ms BIGINT;
            """
        ),
        (
            4,
            """
            ALTER TABLE audit ADD COLUMN hash TEXT;
            ALTER TABLE audit DISABLE TRIGGER audit_no_update;
            """
        ),
    ]

    /// What a migration does that SQL alone cannot, after its statements and in its transaction.
    static func afterStatements(of version: Int, _ c: PostgresConnection, logger: Logger) async throws {
        guard version == 4 else { return }
        // The audit log's hash chain (AuditChain): the entries so far are chained as they stand, with
        // the update trigger lifted for this one transaction.
        var links: [AuditLink] = []
        let rows = try await c.query("SELECT seq, time_ms, action, actor, address, detail FROM audit ORDER BY seq", logger: logger)
        for try await (seq, time, action, actor, address, detail) in rows.decode((Int64, Int64, String, String, String?, String).self) {
            links.append(AuditLink(seq: seq, timeMs: time, action: action, actor: actor, address: address, detail: detail, hash: nil))
        }
        var previous = AuditChain.genesis
        for link in links {
            previous = AuditChain.hash(previous: previous, link)
            try await c.query("UPDATE audit SET hash = \(previous) WHERE seq = \(link.seq)", logger: logger)
        }
        try await c.query("ALTER TABLE audit ENABLE TRIGGER audit_no_update", logger: logger)
    }

    /// A migration's statements, one at a time (the extended query protocol takes one each):
    /// each ends with a semicolon at the end of its line, which no semicolon inside one does.
    static func statements(_ sql: String) -> [String] {
        sql.components(separatedBy: ";\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }

    /// Applies the migrations not applied yet.
    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.withTransaction(logger: logger) { c in
            try await c.query("SELECT pg_advisory_xact_lock(\(PostgresLocks.migrations))", logger: logger)
            try await c.query(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_ms BIGINT NOT NULL)", logger: logger)
            var applied: Set<Int> = []
            for try await version in try await c.query("SELECT version FROM schema_migrations", logger: logger).decode(Int.self) {
                applied.insert(version)
            }
            for m in migrations where !applied.contains(m.version) {
                logger.notice("migrating the PostgreSQL schema", metadata: ["version": "\(m.version)"])
                for statement in statements(m.sql) { try await c.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
                try await afterStatements(of: m.version, c, logger: logger)
                try await c.query("INSERT INTO schema_migrations (version, applied_ms) VALUES (\(m.version), \(WallClock.nowMs()))", logger: logger)
            }
        }
    }
}

/// The advisory locks the collectors on one database take turns with
/// (transaction-scoped: released at commit or rollback).
enum PostgresLocks {
    /// Schema migrations.
    static let migrations: Int64 = 0x4341_4E41_5259_0001
    /// Every transaction that may change an alert takes this first: the alerts of one key are
    /// decided one event at a time, as with SQLite's single writer, and the change log's ids
    /// are handed out in commit order, so a feed reading "after id n" never skips a change
    /// that commits late. It also orders every lock such a transaction takes after it, so
    /// they cannot deadlock with each other.
    static let alertBook: Int64 = 0x4341_4E41_5259_0002
    /// Audit lines, for the same reason: `/api/v1/audit?after=n` must not skip one.
    static let audit: Int64 = 0x4341_4E41_5259_0003
    /// Making and dropping telemetry partitions.
    static let partitions: Int64 = 0x4341_4E41_5259_0004
}
