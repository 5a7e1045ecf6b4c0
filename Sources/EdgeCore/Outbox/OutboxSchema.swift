import GRDB

/// The outbox's schema, versioned by GRDB's `DatabaseMigrator` like the
/// collector's: the outbox on a gateway's SD card is the longest-lived file
/// in the system, and a gateway that is updated must open the file its
/// previous version wrote, with whatever alarms wait in it.
///
/// `v1` is the schema as agents wrote it before it was versioned, with
/// `IF NOT EXISTS` throughout: on such a file it changes nothing and records
/// itself as applied. Later versions are added as new migrations, never by
/// editing one that has shipped.
enum OutboxSchema {
    static func migrator() -> DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS outbox (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        id TEXT NOT NULL UNIQUE,
                        topic TEXT NOT NULL,
                        payload BLOB NOT NULL,
                        alarm INTEGER NOT NULL,
                        created_ms INTEGER NOT NULL
                    );
                    CREATE INDEX IF NOT EXISTS outbox_order ON outbox (alarm DESC, seq);
                    CREATE TABLE IF NOT EXISTS outbox_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
                    INSERT OR IGNORE INTO outbox_meta VALUES ('dropped_telemetry', 0);
                    INSERT OR IGNORE INTO outbox_meta VALUES ('bytes', 0);
                    -- The byte total kept by SQLite itself, so a bound check is one read, not a scan.
                    CREATE TRIGGER IF NOT EXISTS outbox_bytes_in AFTER INSERT ON outbox BEGIN
                        UPDATE outbox_meta SET value = value + LENGTH(NEW.payload) WHERE key = 'bytes';
                    END;
                    CREATE TRIGGER IF NOT EXISTS outbox_bytes_out AFTER DELETE ON outbox BEGIN
                        UPDATE outbox_meta SET value = value - LENGTH(OLD.payload) WHERE key = 'bytes';
                    END;
                    """)
        }
        return m
    }
}
