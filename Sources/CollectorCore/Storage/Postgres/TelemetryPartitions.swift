import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization
import Wire

/// Telemetry's monthly partitions (PostgreSQL's declarative range
/// partitioning on `first_ms`, UTC months): made ahead of need, and dropped
/// whole once older than `storage.postgres.keep_telemetry` months, which is
/// how a year of readings is deleted without a vacuum of the rows.
///
/// The partitions of this month and the next two are made at start and
/// every hour after (``Upkeep``). A message from outside them (a gateway's
/// clock far off, an outbox resending last month's readings) gets its
/// month's partition made before the commit that stores it, so no insert
/// fails for want of one: a message that could not be stored would be
/// resent forever. There is no default partition: a month's partition could
/// then not be made once the default held rows of that month.
final class TelemetryPartitions: Sendable {
    let keepMonths: Int?
    /// The months (``month(ofMs:)``) known to have a partition, with the times each holds: a
    /// time in one of them needs no calendar arithmetic (the ingest asks for every message).
    private let made = Mutex<[Int: Range<Int64>]>([:])

    init(keepMonths: Int?) { self.keepMonths = keepMonths }

    /// A month as a number: year × 12 + month − 1.
    static func month(ofMs ms: Int64) -> Int {
        let c = calendar.dateComponents([.year, .month], from: Date(timeIntervalSince1970: Double(ms) / 1_000))
        return c.year! * 12 + c.month! - 1
    }

    /// The first millisecond of `month`.
    static func startMs(of month: Int) -> Int64 {
        let date = calendar.date(from: DateComponents(year: month / 12, month: month % 12 + 1, day: 1))!
        return Int64(date.timeIntervalSince1970 * 1_000)
    }

    static func name(of month: Int) -> String { String(format: "telemetry_y%04dm%02d", month / 12, month % 12 + 1) }

    private static let calendar: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        return c
    }()

    /// Makes the partitions that messages first read at `firstMs` need and that are not known to exist.
    func ensure(firstMs: [Int64], store: PostgresStore) async throws {
        let known = made.withLock { Array($0.values) }
        var missing = Set<Int>()
        for t in firstMs where !known.contains(where: { $0.contains(t) }) { missing.insert(Self.month(ofMs: t)) }
        guard !missing.isEmpty else { return }
        try await store.withConnection { c in try await make(missing, c, logger: store.logger) }
    }

    /// Makes the partitions of `months` that do not exist yet, in one transaction that holds
    /// the partitions' lock (two collectors making the same one take turns).
    func make(_ months: Set<Int>, _ c: PostgresConnection, logger: Logger) async throws {
        try await c.withTransaction(logger: logger) { c in
            try await c.query("SELECT pg_advisory_xact_lock(\(PostgresLocks.partitions))", logger: logger)
            for month in months.sorted() {
                try await c.query(
                    PostgresQuery(
                        unsafeSQL: """
                            CREATE TABLE IF NOT EXISTS \(Self.name(of: month)) PARTITION OF telemetry
                            FOR VALUES FROM (\(Self.startMs(of: month))) TO (\(Self.startMs(of: month + 1)))
                            """), logger: logger)
            }
        }
        made.withLock { made in
            for month in months { made[month] = Self.startMs(of: month)..<Self.startMs(of: month + 1) }
        }
    }

    /// This month's partition and the next two's made, and those past `keepMonths` dropped.
    func upkeep(_ c: PostgresConnection, nowMs: Int64, logger: Logger) async throws {
        let now = Self.month(ofMs: nowMs)
        try await make([now, now + 1, now + 2], c, logger: logger)
        guard let keepMonths else { return }
        let existing = try await c.query(
            """
            SELECT child.relname FROM pg_inherits
            JOIN pg_class child ON child.oid = pg_inherits.inhrelid JOIN pg_class parent ON parent.oid = pg_inherits.inhparent
            WHERE parent.relname = 'telemetry'
            """, logger: logger
        ).collect()
        for row in existing {
            let name = try row.decode(String.self)
            // telemetry_yYYYYmMM: dropped once the month ended more than keepMonths months ago.
            guard name.count == "telemetry_y0000m00".count, let year = Int(name.dropFirst(11).prefix(4)), let m = Int(name.suffix(2)) else {
                continue
            }
            let month = year * 12 + m - 1
            guard month + 1 <= now - keepMonths else { continue }
            try await c.withTransaction(logger: logger) { c in
                try await c.query("SELECT pg_advisory_xact_lock(\(PostgresLocks.partitions))", logger: logger)
                try await c.query(PostgresQuery(unsafeSQL: "DROP TABLE IF EXISTS \(name)"), logger: logger)
            }
            made.withLock { _ = $0.removeValue(forKey: month) }
            logger.notice("dropped a month of telemetry (storage.postgres.keep_telemetry)", metadata: ["partition": "\(name)"])
        }
    }

    /// Runs ``upkeep(_:nowMs:logger:)`` every hour.
    struct Upkeep: Service {
        let store: PostgresStore

        func run() async throws {
            await cancelWhenGracefulShutdown {
                while (try? await Task.sleep(for: .seconds(3_600))) != nil {
                    do {
                        try await store.withConnection { c in
                            try await store.partitions.upkeep(c, nowMs: WallClock.nowMs(), logger: store.logger)
                        }
                    } catch {
                        store.logger.error("telemetry partitions: upkeep failed; tried again in an hour", metadata: ["error": "\(error)"])
                    }
                }
            }
        }
    }
}
