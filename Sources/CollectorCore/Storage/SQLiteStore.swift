import Foundation
import GRDB
import ServiceLifecycle
import Synchronization
import Wire

/// The collector's storage: SQLite in WAL mode through GRDB, one writer
/// (the ingest) and concurrent readers (the HTTP API).
///
/// ``commit(_:receivedMs:durability:)`` stores a batch in one transaction.
/// A durable commit (`synchronous = FULL`) returns when the WAL is on disk,
/// with every transaction before it: then all of them may be acknowledged to
/// the gateways. Every `source` + `id` is stored once; a duplicate is
/// acknowledged again and otherwise ignored. Checkpoints run on their own
/// connection (``Checkpointer``). Every committed change to the alert log
/// wakes ``changes`` (``AlertLogObserver``).
public final class SQLiteStore: CollectorStore {
    let pool: DatabasePool
    /// Fires after each commit that changed the alert log: the feed's wake-up.
    public let changes = ChangeSignal()
    private let alertLog: AlertLogObserver
    private let checkpointer: Checkpointer
    /// Worker state from deferred commits, written with the closing one.
    private let pendingWorkers = Mutex(WorkerUpdates())
    /// None: SQLite is a library in this process.
    public var services: [any Service] { [] }

    /// `checkpointFailed` hears of a checkpoint that failed (the WAL then grows until one succeeds).
    public convenience init(path: String, checkpointFailed: @escaping @Sendable (any Error) -> Void = { _ in }) throws {
        try self.init(path: path, checkpointer: Checkpointer(path: path, failed: checkpointFailed))
    }

    init(path: String, checkpointer: Checkpointer) throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // Not after a commit on the writer, where alarms wait: `checkpointer` does it.
            checkpointer.watch(db)
        }
        configuration.busyMode = .timeout(5)
        pool = try DatabasePool(path: path, configuration: configuration)
        try StoreSchema.migrator().migrate(pool)
        self.checkpointer = checkpointer
        alertLog = AlertLogObserver(signal: changes)
        pool.add(transactionObserver: alertLog)
    }

    /// Runs `body` at once: the file was opened and migrated by `init`.
    public func beforeServices<T: Sendable>(_ body: (any CollectorStore) async throws -> T) async throws -> T { try await body(self) }

    /// The key of the exports' pseudonyms (``Pseudonyms``): 32 random bytes, made on first use
    /// and kept, so that pseudonyms stay the same from export to export.
    public func pseudonymKey() throws -> [UInt8] {
        try pool.write { db in
            if let key = try Data.fetchOne(db, sql: "SELECT value FROM secrets WHERE name = 'pseudonyms'") { return Array(key) }
            var rng = SystemRandomNumberGenerator()
            let key = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
            try db.execute(sql: "INSERT INTO secrets (name, value) VALUES ('pseudonyms', ?)", arguments: [Data(key)])
            return key
        }
    }

    /// One transaction that waits for the disk (`synchronous = FULL`, every connection's level but
    /// inside a deferred commit): a coordinator's word, a worker's consent, an audit line or a
    /// delivery's outcome is not undone by a power cut.
    func durableWrite<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.writeWithoutTransaction { db in
            var result: T?
            try db.inTransaction(.immediate) {
                result = try body(db)
                return .commit
            }
            return result!
        }
    }

    /// Runs `body` on the writer at `synchronous = NORMAL` (its commit does not wait for the disk),
    /// then sets the connection back to FULL, which every other write on it relies on.
    private static func notWaitingForTheDisk<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        try db.execute(sql: "PRAGMA synchronous = NORMAL")
        let result: T
        do { result = try body() } catch {
            try db.execute(sql: "PRAGMA synchronous = FULL")
            throw error
        }
        try db.execute(sql: "PRAGMA synchronous = FULL")
        return result
    }

    /// Runs a checkpoint now (tests): the WAL's size and how much of it is in the database file, in pages.
    @discardableResult
    func checkpoint() throws -> (walFrameCount: Int, checkpointedFrameCount: Int) { try checkpointer.checkpoint() }

    /// Pages in the WAL after the last commit (tests).
    var framesInLog: Int { checkpointer.framesInLog }

    /// Stores `batch` in one transaction. A run of deferred commits closed by
    /// one that waits for the disk keeps the write lock free for alarms
    /// between its transactions, and costs the disk one fsync; the same few
    /// hundred worker upserts are written once, not in every transaction
    /// (docs/performance.md). It runs on GRDB's writer queue, so a commit
    /// waiting for the disk holds none of Swift's cooperative threads.
    public func commit(_ batch: [ReceivedMessage], receivedMs: Int64, durability: CommitDurability = .durable) async throws -> CommitOutcome {
        let outcome = try await pool.writeWithoutTransaction { db in
            var outcome = CommitOutcome()
            var workers = durability == .durable ? WorkerUpdates() : pendingWorkers.withLock { $0 }
            let transaction = {
                try db.inTransaction(.immediate) {
                    outcome = try self.store(batch, receivedMs: receivedMs, workers: &workers, db: db)
                    workers.endBatch(batch)
                    if durability != .deferred { try workers.write(db) }
                    return .commit
                }
            }
            if durability == .deferred { try Self.notWaitingForTheDisk(db, transaction) } else { try transaction() }
            switch durability {
            case .durable: break
            case .deferred: pendingWorkers.withLock { $0 = workers }
            case .closing: pendingWorkers.withLock { $0 = WorkerUpdates() }
            }
            return outcome
        }
        // The telemetry stage, not an alarm, waits when checkpoints fall behind.
        if durability == .closing { await checkpointer.catchUp() }
        return outcome
    }

    private func store(_ batch: [ReceivedMessage], receivedMs: Int64, workers: inout WorkerUpdates, db: Database) throws -> CommitOutcome {
        var outcome = CommitOutcome()
        var longest: Int64 = 0
        let event = try BoundStatement(
            db,
            sql: """
                INSERT OR IGNORE INTO events (source, id, site, gateway, type, worker, time_ms, received_ms, event)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        let telemetry = try BoundStatement(
            db,
            sql: """
                INSERT OR IGNORE INTO telemetry (source, id, site, gateway, first_ms, last_ms, readings, received_ms, event)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for (index, m) in batch.enumerated() {
            let site = m.topics.site, gateway = m.topics.gateway
            switch m.message {
            case .alarm(let e):
                outcome.ack(m.topics, e.id)
                guard
                    try event.run(
                        .text(e.source), .text(e.id), .text(site), .text(gateway), .text(e.type), .text(e.subject),
                        .int(e.data.time_ms), .int(receivedMs), .utf8(m.raw))
                else {
                    outcome.duplicates += 1
                    continue
                }
                outcome.storedAlarms += 1
                let timeMs = AlertBook.alarmTime(e.data.time_ms, receivedMs: receivedMs, clockOffsetMs: m.clockOffsetMs)
                if !AlertBook.isPlausible(e.data.time_ms, receivedMs: receivedMs) {
                    outcome.implausibleTimes.append((m.topics.events, e.data.time_ms))
                }
                if try Self.apply(AlertBook.change(e, topics: m.topics, timeMs: timeMs, receivedMs: receivedMs), db: db) { outcome.alertChanges += 1 }
                if let worker = e.subject {
                    workers.heard(site: site, worker: worker, gateway: gateway, atMs: timeMs)
                    if let l = e.data.location { workers.located(site: site, worker: worker, l) }
                }
            case .telemetry(let e):
                outcome.ack(m.topics, e.id)
                let (first, last) = TelemetrySpan.of(e, receivedMs: receivedMs)
                guard
                    try telemetry.run(
                        .text(e.source), .text(e.id), .text(site), .text(gateway), .int(first), .int(last),
                        .int(Int64(e.readings.count)), .int(receivedMs), .utf8(m.raw))
                else {
                    outcome.duplicates += 1
                    continue
                }
                longest = max(longest, last - first)
                for (k, r) in e.readings.enumerated() where m.unlisted.isEmpty || !m.unlisted.contains(r.worker) {
                    workers.reading(site: site, gateway: gateway, r, at: .init(message: index, reading: k))
                }
                outcome.storedReadings += e.readings.count
            case .status(let e):
                // In the order received, which is the broker's order on the topic, not by the
                // event's time: the last will carries the time the gateway connected, earlier
                // than the `online` it sent after connecting. The state's time is when it changed.
                try db.execute(
                    sql: """
                        INSERT INTO gateways (site, gateway, state, time_ms) VALUES (?, ?, ?, ?)
                        ON CONFLICT (site, gateway) DO UPDATE SET state = excluded.state, time_ms = excluded.time_ms
                        WHERE excluded.state != gateways.state
                        """, arguments: [site, gateway, e.data.state, receivedMs])
                guard db.changesCount > 0 else { continue }
                if try Self.apply(AlertBook.change(e, topics: m.topics, receivedMs: receivedMs), db: db) { outcome.alertChanges += 1 }
            }
        }
        if longest > 0 {
            try BoundStatement(db, sql: "UPDATE telemetry_longest SET ms = ? WHERE ms < ?").run(.int(longest), .int(longest))
        }
        return outcome
    }

    /// Opens an alert for each gateway whose alarm could not be read (``AlertBook/unreadableAlarm``);
    /// true when one opened. It waits for the disk like every write outside a deferred commit.
    @discardableResult
    public func noteUnreadable(_ gateways: Set<Topics>, receivedMs: Int64) throws -> Bool {
        try pool.write { db in
            var opened = false
            for topics in gateways {
                opened = try Self.apply(AlertBook.unreadable(topics: topics, receivedMs: receivedMs), onlyIfNew: true, db: db) || opened
            }
            return opened
        }
    }

    /// The database answers: for /healthz.
    public func isHealthy() -> Bool {
        (try? pool.read { try Int.fetchOne($0, sql: "SELECT 1") }) == 1
    }
}
