import Foundation
import GRDB
import Wire

/// A validated message and where it came from, ready to store.
public struct ReceivedMessage: Sendable {
    public var topics: Topics
    public var message: IncomingMessage
    /// The CloudEvent as received; stored as is so exports give third parties the exact wire form.
    public var raw: [UInt8]

    public init(topics: Topics, message: IncomingMessage, raw: [UInt8]) {
        self.topics = topics
        self.message = message
        self.raw = raw
    }
}

/// The collector's storage: SQLite in WAL mode through GRDB, one writer
/// (the ingest) and concurrent readers (the HTTP API).
///
/// ``commit(_:receivedMs:)`` stores a batch in one transaction with
/// `synchronous = FULL`, so when it returns the batch is on disk and may be
/// acknowledged to the gateways. Every `source` + `id` is stored once; a
/// duplicate is acknowledged again and otherwise ignored.
public final class EventStore: Sendable {
    let pool: DatabasePool

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        configuration.busyMode = .timeout(5)
        pool = try DatabasePool(path: path, configuration: configuration)
        try StoreSchema.migrator().migrate(pool)
    }

    /// What a committed batch means for the gateways and the feed.
    public struct CommitOutcome: Sendable {
        /// Per gateway, the ids to acknowledge: stored now or already stored.
        public var acks: [Topics: [String]] = [:]
        public var storedAlarms = 0
        public var storedReadings = 0
        public var duplicates = 0
        public var alertChanges = 0

        mutating func ack(_ topics: Topics, _ id: String) {
            acks[topics, default: []].append(id)
        }
    }

    public func commit(_ batch: [ReceivedMessage], receivedMs: Int64) throws -> CommitOutcome {
        try pool.write { db in
            var outcome = CommitOutcome()
            var workers = WorkerUpdates()
            let event = try BoundStatement(db, sql: """
                INSERT OR IGNORE INTO events (source, id, site, gateway, type, worker, time_ms, received_ms, event)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let telemetry = try BoundStatement(db, sql: """
                INSERT OR IGNORE INTO telemetry (source, id, site, gateway, first_ms, last_ms, readings, received_ms, event)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for m in batch {
                let site = m.topics.site, gateway = m.topics.gateway
                switch m.message {
                case .alarm(let e):
                    outcome.ack(m.topics, e.id)
                    guard try event.run(.text(e.source), .text(e.id), .text(site), .text(gateway), .text(e.type), .text(e.subject),
                                        .int(e.data.time_ms), .int(receivedMs), .utf8(m.raw)) else {
                        outcome.duplicates += 1
                        continue
                    }
                    outcome.storedAlarms += 1
                    if try AlertBook.apply(e, topics: m.topics, db: db) { outcome.alertChanges += 1 }
                    if let worker = e.subject {
                        workers.heard(site: site, worker: worker, gateway: gateway, atMs: e.data.time_ms)
                        if let l = e.data.location { workers.located(site: site, worker: worker, l) }
                    }
                case .telemetry(let e):
                    outcome.ack(m.topics, e.id)
                    var first = e.readings.first?.time_ms ?? RFC3339.parse(e.time) ?? receivedMs, last = first
                    for r in e.readings {
                        first = min(first, r.time_ms)
                        last = max(last, r.time_ms)
                    }
                    guard try telemetry.run(.text(e.source), .text(e.id), .text(site), .text(gateway), .int(first), .int(last),
                                            .int(Int64(e.readings.count)), .int(receivedMs), .utf8(m.raw)) else {
                        outcome.duplicates += 1
                        continue
                    }
                    for r in e.readings { workers.reading(site: site, gateway: gateway, r) }
                    outcome.storedReadings += e.readings.count
                case .status(let e):
                    guard let t = RFC3339.parse(e.time) else { continue }
                    try db.execute(sql: """
                        INSERT INTO gateways (site, gateway, state, time_ms) VALUES (?, ?, ?, ?)
                        ON CONFLICT (site, gateway) DO UPDATE SET state = excluded.state, time_ms = excluded.time_ms
                        WHERE excluded.time_ms >= gateways.time_ms
                        """, arguments: [site, gateway, e.data.state, t])
                }
            }
            try workers.write(db)
            return outcome
        }
    }

    /// The database answers: for /healthz.
    public func isHealthy() -> Bool {
        (try? pool.read { try Int.fetchOne($0, sql: "SELECT 1") }) == 1
    }
}
