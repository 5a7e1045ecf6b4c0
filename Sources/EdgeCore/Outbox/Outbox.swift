import Foundation
import GRDB

/// The agent's durable outbox (docs/agent.md): every event is written here,
/// and leaves only when the collector's end-to-end ack says it is committed to
/// storage; until then it is sent again. Telemetry is published from here;
/// an alarm is handed to the MQTT client at once, before its write here
/// reaches the disk (``Uplink/raise``), so its first send waits for no fsync.
/// An MQTT PUBACK only means the broker has it.
///
/// - Alarms come out ahead of telemetry, each kind oldest first.
/// - Bounded by bytes and age: when over a bound, the oldest *telemetry*
///   goes first; alarms are never dropped (an outbox over its bound with
///   alarms alone keeps them and says so in ``Stats/overBound``).
/// - Idempotent: enqueueing an id again changes nothing; acking an unknown id
///   is not an error (the collector acks duplicates again).
///
/// SQLite in WAL mode through GRDB; one writer, safe across process kills.
public final class Outbox: Sendable {
    public struct Entry: Sendable, Equatable {
        public var id: String
        public var topic: String
        public var payload: [UInt8]
        public var isAlarm: Bool
        public var createdMs: Int64

        public init(id: String, topic: String, payload: [UInt8], isAlarm: Bool, createdMs: Int64) {
            self.id = id
            self.topic = topic
            self.payload = payload
            self.isAlarm = isAlarm
            self.createdMs = createdMs
        }
    }

    public struct Limits: Sendable {
        public var maxBytes: Int
        public var maxAgeMs: Int64
        /// Defaults: 512 MiB and 7 days, a long uplink outage on a gateway's SD card.
        public init(maxBytes: Int = 512 << 20, maxAgeMs: Int64 = 7 * 86_400_000) {
            self.maxBytes = maxBytes
            self.maxAgeMs = maxAgeMs
        }
    }

    public struct Stats: Sendable, Equatable {
        public var alarms: Int
        public var telemetry: Int
        public var bytes: Int
        /// Telemetry entries dropped to keep within the bounds, since the outbox was created.
        public var droppedTelemetry: Int
        /// Alarms alone exceed the byte bound.
        public var overBound: Bool
    }

    private let db: DatabaseQueue
    public let limits: Limits

    public init(path: String, limits: Limits = Limits()) throws {
        var configuration = Configuration()
        configuration.journalMode = .wal
        // Another process on the file (an operator's inspection, an agent still stopping) makes a
        // write wait its turn instead of failing.
        configuration.busyMode = .timeout(10)
        db = try DatabaseQueue(path: path, configuration: configuration)
        self.limits = limits
        try OutboxSchema.migrator().migrate(db)
    }

    /// Stores entries in one transaction (durable when this returns), then
    /// enforces the bounds. Returns how many telemetry entries were dropped.
    @discardableResult
    public func enqueue(_ entries: [Entry], nowMs: Int64) throws -> Int {
        try db.write { db in
            for e in entries {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO outbox (id, topic, payload, alarm, created_ms) VALUES (?, ?, ?, ?, ?)",
                    arguments: [e.id, e.topic, Data(e.payload), e.isAlarm, e.createdMs])
            }
            var dropped = 0
            try db.execute(sql: "DELETE FROM outbox WHERE alarm = 0 AND created_ms < ?", arguments: [nowMs - limits.maxAgeMs])
            dropped += db.changesCount
            // Drop just enough of the oldest telemetry to get back within the byte bound.
            var excess = try Self.bytes(db) - limits.maxBytes
            while excess > 0 {
                let oldest = try Row.fetchAll(db, sql: "SELECT seq, LENGTH(payload) AS size FROM outbox WHERE alarm = 0 ORDER BY seq LIMIT 256")
                if oldest.isEmpty { break }  // alarms alone: keep them
                for row in oldest where excess > 0 {
                    try db.execute(sql: "DELETE FROM outbox WHERE seq = ?", arguments: [row["seq"] as Int64])
                    excess -= row["size"] as Int
                    dropped += 1
                }
            }
            if dropped > 0 {
                try db.execute(sql: "UPDATE outbox_meta SET value = value + ? WHERE key = 'dropped_telemetry'", arguments: [dropped])
            }
            return dropped
        }
    }

    /// What to publish next: alarms first, then telemetry, oldest first;
    /// with `where`, only the entries whose id it accepts. Ids are read first
    /// and payloads only for those accepted: the uplink calls this often, while
    /// most of what waits is already in flight.
    public func pending(limit: Int, alarmsOnly: Bool = false, where accept: (String) -> Bool = { _ in true }) throws -> [Entry] {
        try db.read { db in
            let ids = try String.fetchAll(
                db,
                sql: "SELECT id FROM outbox \(alarmsOnly ? "WHERE alarm = 1 " : "")"
                    + "ORDER BY alarm DESC, seq LIMIT ?", arguments: [limit]
            ).filter(accept)
            let select = try db.cachedStatement(sql: "SELECT id, topic, payload, alarm, created_ms FROM outbox WHERE id = ?")
            return try ids.compactMap { id in
                try Row.fetchOne(select, arguments: [id]).map {
                    Entry(
                        id: $0["id"], topic: $0["topic"], payload: [UInt8]($0["payload"] as Data),
                        isAlarm: $0["alarm"], createdMs: $0["created_ms"])
                }
            }
        }
    }

    /// The collector committed these: they leave. Returns how many were here.
    @discardableResult
    public func acknowledge(ids: [String]) throws -> Int {
        try db.write { db in
            var removed = 0
            for id in ids {
                try db.execute(sql: "DELETE FROM outbox WHERE id = ?", arguments: [id])
                removed += db.changesCount
            }
            return removed
        }
    }

    public func stats() throws -> Stats {
        try db.read { db in
            let alarms = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE alarm = 1") ?? 0
            let telemetry = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE alarm = 0") ?? 0
            let bytes = try Self.bytes(db)
            let dropped = try Int.fetchOne(db, sql: "SELECT value FROM outbox_meta WHERE key = 'dropped_telemetry'") ?? 0
            return Stats(
                alarms: alarms, telemetry: telemetry, bytes: bytes, droppedTelemetry: dropped,
                overBound: bytes > limits.maxBytes)
        }
    }

    private static func bytes(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT value FROM outbox_meta WHERE key = 'bytes'") ?? 0
    }
}
