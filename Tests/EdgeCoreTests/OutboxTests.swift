import EdgeCore
import Foundation
import GRDB
import Testing

/// On a real SQLite file in a fresh temporary directory.
@Suite struct OutboxTests {
    let path: String = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("canary-outbox-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("outbox.sqlite").path
    }()

    func entry(_ id: String, alarm: Bool, at t: Int64, bytes: Int = 10) -> Outbox.Entry {
        Outbox.Entry(
            id: id, topic: alarm ? "canary/v1/s/g/events" : "canary/v1/s/g/telemetry",
            payload: Array(repeating: 0x41, count: bytes), isAlarm: alarm, createdMs: t)
    }

    @Test func alarmsFirstOldestFirstAndNothingLostAcrossARestart() throws {
        do {
            let outbox = try Outbox(path: path)
            try outbox.enqueue([entry("t1", alarm: false, at: 1), entry("a1", alarm: true, at: 2)], nowMs: 2)
            try outbox.enqueue([entry("t2", alarm: false, at: 3), entry("a2", alarm: true, at: 4)], nowMs: 4)
        }
        let reopened = try Outbox(path: path)
        #expect(try reopened.pending(limit: 10).map(\.id) == ["a1", "a2", "t1", "t2"])
        #expect(try reopened.pending(limit: 1).first == entry("a1", alarm: true, at: 2))
    }

    /// A gateway updated from an agent that wrote its outbox before the schema was
    /// versioned: the file, as that agent left it with an alarm waiting, opens with the alarm.
    @Test func anOutboxFromBeforeTheSchemaWasVersionedOpensWithWhatWaitsInIt() throws {
        do {
            let old = try DatabaseQueue(path: path)
            try old.write { db in
                try db.execute(
                    sql: """
                        CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, topic TEXT NOT NULL,
                                             payload BLOB NOT NULL, alarm INTEGER NOT NULL, created_ms INTEGER NOT NULL);
                        CREATE INDEX outbox_order ON outbox (alarm DESC, seq);
                        CREATE TABLE outbox_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
                        INSERT INTO outbox_meta VALUES ('dropped_telemetry', 3), ('bytes', 0);
                        CREATE TRIGGER outbox_bytes_in AFTER INSERT ON outbox BEGIN
                            UPDATE outbox_meta SET value = value + LENGTH(NEW.payload) WHERE key = 'bytes';
                        END;
                        CREATE TRIGGER outbox_bytes_out AFTER DELETE ON outbox BEGIN
                            UPDATE outbox_meta SET value = value - LENGTH(OLD.payload) WHERE key = 'bytes';
                        END;
                        INSERT INTO outbox (id, topic, payload, alarm, created_ms) VALUES ('a1', 'canary/v1/s/g/events', x'41414141', 1, 7);
                        """)
            }
        }
        let outbox = try Outbox(path: path)
        #expect(try outbox.pending(limit: 10) == [entry("a1", alarm: true, at: 7, bytes: 4)])
        #expect(try outbox.stats().droppedTelemetry == 3)
        try outbox.enqueue([entry("t1", alarm: false, at: 8)], nowMs: 8)
        #expect(try outbox.stats().bytes == 14, "the byte count goes on from the old file's")
        let applied = try DatabaseQueue(path: path).read { try String.fetchAll($0, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(applied == ["v1"])
    }

    @Test func onlyTheAckRemovesAndEverythingIsIdempotent() throws {
        let outbox = try Outbox(path: path)
        try outbox.enqueue([entry("a1", alarm: true, at: 1), entry("t1", alarm: false, at: 1)], nowMs: 1)
        try outbox.enqueue([entry("a1", alarm: true, at: 1)], nowMs: 2)
        #expect(try outbox.stats().alarms == 1)
        #expect(try outbox.acknowledge(ids: ["a1", "unknown"]) == 1)
        #expect(try outbox.acknowledge(ids: ["a1"]) == 0, "a duplicate ack")
        #expect(try outbox.pending(limit: 10).map(\.id) == ["t1"])
        #expect(try outbox.stats().bytes == 10)
    }

    @Test func underPressureTheOldestTelemetryGoesAndAlarmsNever() throws {
        let outbox = try Outbox(path: path, limits: .init(maxBytes: 100, maxAgeMs: 1_000_000))
        try outbox.enqueue((0..<8).map { entry("t\($0)", alarm: false, at: Int64($0)) }, nowMs: 8)
        try outbox.enqueue([entry("a0", alarm: true, at: 9, bytes: 40)], nowMs: 9)
        let ids = try outbox.pending(limit: 100).map(\.id)
        #expect(ids.first == "a0" && !ids.contains("t0") && ids.contains("t7"))
        #expect(try outbox.stats().bytes <= 100 && outbox.stats().droppedTelemetry > 0)
        // Alarms alone over the bound: all kept, the outbox says so.
        try outbox.enqueue((1...5).map { entry("a\($0)", alarm: true, at: 10, bytes: 40) }, nowMs: 10)
        let s = try outbox.stats()
        #expect(s.alarms == 6 && s.telemetry == 0 && s.overBound)
    }

    @Test func oldTelemetryAgesOutAndOldAlarmsDoNot() throws {
        let outbox = try Outbox(path: path, limits: .init(maxBytes: 1 << 20, maxAgeMs: 60_000))
        try outbox.enqueue([entry("t-old", alarm: false, at: 0), entry("a-old", alarm: true, at: 0)], nowMs: 0)
        #expect(try outbox.enqueue([entry("t-new", alarm: false, at: 120_000)], nowMs: 120_000) == 1)
        #expect(try outbox.pending(limit: 10).map(\.id) == ["a-old", "t-new"])
        #expect(try Outbox(path: path).stats().droppedTelemetry == 1, "the count survives a restart")
    }
}
