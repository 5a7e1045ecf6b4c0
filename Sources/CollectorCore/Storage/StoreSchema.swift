import GRDB

/// The collector's SQLite schema. Events are kept as received (the CloudEvent
/// JSON) beside the columns the API filters on; telemetry one row per message;
/// alerts and their changes are derived from alarm events as they are stored.
enum StoreSchema {
    static func migrator() -> DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    -- Alarm events, once per source + id (CloudEvents dedupe key).
                    CREATE TABLE events (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        source TEXT NOT NULL,
                        id TEXT NOT NULL,
                        site TEXT NOT NULL,
                        gateway TEXT NOT NULL,
                        type TEXT NOT NULL,
                        worker TEXT,
                        time_ms INTEGER NOT NULL,
                        received_ms INTEGER NOT NULL,
                        event TEXT NOT NULL,
                        UNIQUE (source, id)
                    );
                    CREATE INDEX events_time ON events (time_ms);
                    CREATE INDEX events_worker ON events (worker, time_ms);

                    -- Telemetry as received, one row per message (a batch of readings), once per
                    -- source + id: a row per reading cost the ingest ten inserts and twice as many
                    -- B-tree writes per message (docs/performance.md). Exports expand the readings.
                    CREATE TABLE telemetry (
                        seq INTEGER PRIMARY KEY,
                        source TEXT NOT NULL,
                        id TEXT NOT NULL,
                        site TEXT NOT NULL,
                        gateway TEXT NOT NULL,
                        -- The earliest and latest reading's time (the event's time when it has none).
                        first_ms INTEGER NOT NULL,
                        last_ms INTEGER NOT NULL,
                        readings INTEGER NOT NULL,
                        received_ms INTEGER NOT NULL,
                        event TEXT NOT NULL,
                        UNIQUE (source, id)
                    );
                    CREATE INDEX telemetry_time ON telemetry (first_ms);
                    -- The longest message's span (last_ms - first_ms): a time-range query starts that
                    -- much earlier. Kept by each commit, not by an index on the span, which cost every
                    -- insert a third B-tree write.
                    CREATE TABLE telemetry_longest (ms INTEGER NOT NULL);
                    INSERT INTO telemetry_longest VALUES (0);

                    -- The latest of each worker: when heard, where. Upserts that keep the newer, no reads.
                    CREATE TABLE workers (
                        site TEXT NOT NULL,
                        worker TEXT NOT NULL,
                        gateway TEXT NOT NULL,
                        last_seen_ms INTEGER NOT NULL,
                        location TEXT,
                        location_ms INTEGER,
                        PRIMARY KEY (site, worker)
                    ) WITHOUT ROWID;
                    -- Each worker's latest reading of each kind.
                    CREATE TABLE worker_readings (
                        site TEXT NOT NULL,
                        worker TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        device TEXT NOT NULL,
                        time_ms INTEGER NOT NULL,
                        "values" TEXT NOT NULL,
                        PRIMARY KEY (site, worker, kind)
                    ) WITHOUT ROWID;

                    -- One row per alarm occurrence: opened by pre-alarm/alarm, closed by cleared.
                    CREATE TABLE alerts (
                        alert_id INTEGER PRIMARY KEY AUTOINCREMENT,
                        site TEXT NOT NULL,
                        gateway TEXT NOT NULL,
                        worker TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        condition TEXT NOT NULL,
                        state TEXT NOT NULL,
                        opened_ms INTEGER NOT NULL,
                        updated_ms INTEGER NOT NULL,
                        -- The last known location (JSON), kept when a later event has none.
                        location TEXT,
                        snapshot TEXT NOT NULL
                    );
                    CREATE INDEX alerts_open ON alerts (site, worker, kind, condition, state);

                    -- Every new or changed alert, in order: the SSE feed and its Last-Event-ID.
                    CREATE TABLE alert_changes (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        alert_id INTEGER NOT NULL,
                        snapshot TEXT NOT NULL
                    );

                    CREATE TABLE gateways (
                        site TEXT NOT NULL,
                        gateway TEXT NOT NULL,
                        state TEXT NOT NULL,
                        time_ms INTEGER NOT NULL,
                        PRIMARY KEY (site, gateway)
                    ) WITHOUT ROWID;
                    """)
        }
        m.registerMigration("v2") { db in
            try db.execute(
                sql: """
                    -- Keys the collector makes for itself once (the exports' pseudonym key).
                    CREATE TABLE secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
                    """)
        }
        m.registerMigration("v3") { db in
            try db.execute(
                sql: """
                    -- The coordinators' handling of an alert (docs/collector.md, "Alerts"): acknowledged,
                    -- resolved with a reason, escalated while nobody acknowledged it. created_ms is the
                    -- collector's clock when the alert opened: escalation counts from it or from the
                    -- gateway's opened_ms, whichever is earlier, so neither a clock running ahead nor a
                    -- late delivery delays it.
                    ALTER TABLE alerts ADD COLUMN created_ms INTEGER;
                    ALTER TABLE alerts ADD COLUMN acknowledged_ms INTEGER;
                    ALTER TABLE alerts ADD COLUMN acknowledged_by TEXT;
                    ALTER TABLE alerts ADD COLUMN resolved_ms INTEGER;
                    ALTER TABLE alerts ADD COLUMN resolved_by TEXT;
                    ALTER TABLE alerts ADD COLUMN resolution TEXT;
                    ALTER TABLE alerts ADD COLUMN note TEXT;
                    ALTER TABLE alerts ADD COLUMN escalated_ms INTEGER;
                    -- What may still escalate: open, neither acknowledged nor resolved nor escalated.
                    CREATE INDEX alerts_unhandled ON alerts (opened_ms)
                        WHERE acknowledged_ms IS NULL AND resolved_ms IS NULL AND escalated_ms IS NULL AND state != 'cleared';
                    -- Alerts from before: unacknowledged, as every alert starts.
                    UPDATE alerts SET snapshot = json_set(snapshot, '$.handling', 'unacknowledged');
                    """)
        }
        m.registerMigration("v4") { db in
            try db.execute(
                sql: """
                    -- Who did what (docs/collector.md, "Audit"): acknowledgements, resolutions, exports,
                    -- refused tokens, the config at each start. Append-only: nothing updates or deletes it.
                    CREATE TABLE audit (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        time_ms INTEGER NOT NULL,
                        action TEXT NOT NULL,
                        actor TEXT NOT NULL,
                        address TEXT,
                        detail TEXT NOT NULL
                    );
                    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                    """)
        }
        m.registerMigration("v5") { db in
            try db.execute(
                sql: """
                    -- Occupational-accident reports (docs/egov.md): one per incident, made in the transaction that
                    -- resolves its alert as a real incident, delivered through the X-Road security server. The
                    -- report's X-Road-Id is fixed here, so every delivery attempt carries the same one.
                    CREATE TABLE incident_reports (
                        report_id INTEGER PRIMARY KEY AUTOINCREMENT,
                        alert_id INTEGER NOT NULL UNIQUE,
                        xroad_id TEXT NOT NULL UNIQUE,
                        user_id TEXT NOT NULL,
                        -- When the collector first knew of the incident: the legal 8 hours run from here.
                        known_ms INTEGER NOT NULL,
                        body TEXT NOT NULL,
                        -- pending (to deliver, or to retry), delivered, refused (the authority's side said no: a person must look)
                        state TEXT NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_ms INTEGER NOT NULL,
                        last_error TEXT,
                        delivered_ms INTEGER,
                        request_id TEXT,
                        request_hash TEXT,
                        overdue_alerted INTEGER NOT NULL DEFAULT 0
                    );
                    -- Every alert that is part of a reported incident: none is reported twice.
                    CREATE TABLE incident_alerts (alert_id INTEGER PRIMARY KEY, report_id INTEGER NOT NULL) WITHOUT ROWID;
                    """)
        }
        m.registerMigration("v6") { db in
            try db.execute(
                sql: """
                    -- A worker's consent to research use of their health readings (docs/collector.md, "Consent"):
                    -- given and withdrawn by the worker; no row is no consent.
                    CREATE TABLE consents (
                        site TEXT NOT NULL,
                        worker TEXT NOT NULL,
                        research INTEGER NOT NULL,
                        changed_ms INTEGER NOT NULL,
                        PRIMARY KEY (site, worker)
                    ) WITHOUT ROWID;
                    """)
        }
        m.registerMigration("v7") { db in
            try db.execute(
                sql: """
                    -- Each webhook's place in alert_changes, which is its queue (docs/collector.md, "Webhooks"): changes
                    -- after seq are not told yet. owner holds the lease until lease_until_ms (several collectors on PostgreSQL).
                    CREATE TABLE webhook_cursors (
                        hook TEXT PRIMARY KEY,
                        seq INTEGER NOT NULL,
                        owner TEXT NOT NULL,
                        lease_until_ms INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    -- An alert's previous state, to tell what a change did.
                    CREATE INDEX alert_changes_alert ON alert_changes (alert_id, seq);
                    """)
        }
        m.registerMigration("v8") { db in
            try db.execute(
                sql: """
                    -- An alert at its worst (AlertRecord.Worst: severity, values, time) and, for an alert of one
                    -- cause, the conditions it covers (AlertRecord.Covered), as JSON: what each change keeps.
                    -- order_ms: the gateway's own time of its last change, which orders its changes (updated_ms
                    -- is that time less the gateway's estimated clock offset, an estimate that moves).
                    ALTER TABLE alerts ADD COLUMN worst TEXT;
                    ALTER TABLE alerts ADD COLUMN covers TEXT;
                    ALTER TABLE alerts ADD COLUMN order_ms INTEGER;
                    """)
        }
        m.registerMigration("v9") { db in
            // The audit log's hash chain (AuditChain): the entries so far are chained as they stand, with the
            // update trigger lifted for this one transaction.
            try db.execute(sql: "DROP TRIGGER audit_no_update; ALTER TABLE audit ADD COLUMN hash TEXT")
            var previous = AuditChain.genesis
            for row in try Row.fetchAll(db, sql: "SELECT * FROM audit ORDER BY seq") {
                let link = AuditLink(
                    seq: row["seq"], timeMs: row["time_ms"], action: row["action"], actor: row["actor"], address: row["address"],
                    detail: row["detail"], hash: nil)
                previous = AuditChain.hash(previous: previous, link)
                try db.execute(sql: "UPDATE audit SET hash = ? WHERE seq = ?", arguments: [previous, link.seq])
            }
            try db.execute(
                sql: "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END")
        }
        return m
    }
}
