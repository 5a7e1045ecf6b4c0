import Foundation
import Logging
import NIOSSL
import PostgresNIO
import ServiceLifecycle
import Synchronization
import Wire

/// The collector's storage in PostgreSQL (`storage.postgres`), through
/// postgres-nio's connections (``PostgresConnections``): the same guarantees
/// as ``SQLiteStore``, for any number of collectors on one database
/// (docs/scaling.md).
///
/// - A commit is one transaction; a durable one returns when PostgreSQL has
///   flushed its WAL (`synchronous_commit = on`, the server's default), a
///   deferred one does not wait (`SET LOCAL synchronous_commit = off`): its
///   ids are acknowledged only after a durable commit that follows, which
///   flushes it too.
/// - Every `source` + `id` is stored once, whichever collector got it
///   (`ON CONFLICT DO NOTHING` on the unique keys).
/// - Every transaction that may change an alert takes one advisory lock first
///   (``PostgresLocks/alertBook``): one event at a time decides an alert, and
///   the change log's ids are in commit order.
/// - Each change appended to the log sends `NOTIFY canary_alert_changes`,
///   delivered at commit to every collector's ``AlertChangeListener``, which
///   wakes its feed: every collector's feed carries every change, with the ids
///   the log gave them.
public final class PostgresStore: CollectorStore {
    public let changes: ChangeSignal
    let connections: PostgresConnections
    /// Where the database is, for the connections outside ``connections`` (``beforeServices(_:)``, ``AlertChangeListener``).
    let connectionConfiguration: PostgresConnection.Configuration
    /// Set on the store ``beforeServices(_:)`` lends: it runs on this one connection, not ``connections``.
    private let connection: PostgresConnection?
    let logger: Logger
    /// Worker state from deferred commits, written with the closing one.
    private let pendingWorkers: Mutex<WorkerUpdates>
    let partitions: TelemetryPartitions

    /// The NOTIFY channel of the alert log.
    static let changeChannel = "canary_alert_changes"

    /// `url`: `postgres://user@host[:port]/database[?sslmode=disable|prefer|require]`; `password`,
    /// when the server asks for one. Nothing connects until the services run (or ``beforeServices(_:)``).
    public init(url: String, password: String? = nil, pool: Int, keepTelemetryMonths: Int?, logger: Logger) throws {
        connectionConfiguration = try Self.configuration(url: url, password: password)
        connections = PostgresConnections(configuration: connectionConfiguration, limit: pool, logger: logger)
        connection = nil
        self.logger = logger
        changes = ChangeSignal()
        pendingWorkers = Mutex(WorkerUpdates())
        partitions = TelemetryPartitions(keepMonths: keepTelemetryMonths)
    }

    /// `store`, on `connection`.
    private init(_ store: PostgresStore, on connection: PostgresConnection) {
        connectionConfiguration = store.connectionConfiguration
        connections = store.connections
        self.connection = connection
        logger = store.logger
        changes = store.changes
        pendingWorkers = Mutex(WorkerUpdates())
        partitions = store.partitions
    }

    /// A connection's configuration from `url` (TLS as libpq's `sslmode`: prefer by default).
    static func configuration(url: String, password: String? = nil) throws -> PostgresConnection.Configuration {
        guard let u = URLComponents(string: url), let host = u.host, u.path.count > 1 else { throw PostgresStoreError.badURL(url) }
        let tls: PostgresConnection.Configuration.TLS
        switch u.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "prefer" {
        case "disable": tls = .disable
        case "prefer": tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case "require": tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        default: throw PostgresStoreError.badURL(url)
        }
        var c = PostgresConnection.Configuration(
            host: host, port: u.port ?? 5432, username: u.user ?? "canary", password: password ?? u.password, database: String(u.path.dropFirst()),
            tls: tls)
        // A database out of reach fails a commit within seconds (the gateways resend), not after a long wait.
        c.options.connectTimeout = .seconds(3)
        return c
    }

    /// The connections, the feed's listener and the telemetry partitions' upkeep.
    public var services: [any Service] {
        [connections, AlertChangeListener(store: self), TelemetryPartitions.Upkeep(store: self)]
    }

    /// Migrates the schema, makes the telemetry partitions of the months around now, and runs
    /// `body` with this store on a connection of its own (the others open only once the services run).
    public func beforeServices<T: Sendable>(_ body: (any CollectorStore) async throws -> T) async throws -> T {
        let c = try await PostgresConnection.connect(configuration: connectionConfiguration, id: 0, logger: logger)
        do {
            try await PostgresSchema.migrate(c, logger: logger)
            try await partitions.upkeep(c, nowMs: WallClock.nowMs(), logger: logger)
            let result = try await body(PostgresStore(self, on: c))
            try await c.close()
            return result
        } catch {
            try? await c.close()
            throw error
        }
    }

    /// Runs `body` on a connection: this store's own, or one of ``connections``. PostgreSQL's
    /// errors come out as ``PostgresStoreError/database(_:)``, which the log can show.
    func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            if let connection { return try await body(connection) }
            return try await connections.withConnection(body)
        } catch let error as PSQLError {
            throw PostgresStoreError(error)
        }
    }

    /// Runs `body` in one transaction; with `changingAlerts`, after taking the alert book's
    /// lock. What appends to the alert log notifies too (``logChanged``).
    /// An error of `body`'s own (``AlertHandlingError``) comes out as itself once the
    /// transaction is rolled back.
    func transaction<T: Sendable>(changingAlerts: Bool = false, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await withConnection { c in
                try await c.withTransaction(logger: logger) { c in
                    if changingAlerts { try await c.query("SELECT pg_advisory_xact_lock(\(PostgresLocks.alertBook))", logger: logger) }
                    return try await body(c)
                }
            }
        } catch let error as PostgresTransactionError {
            if let own = error.closureError as? AlertHandlingError, error.rollbackError == nil { throw own }
            let cause = error.beginError ?? error.closureError ?? error.commitError ?? error.rollbackError
            throw (cause as? PSQLError).map(PostgresStoreError.init) ?? cause ?? error
        }
    }

    /// The rows of `query`, all of them.
    func rows(_ query: PostgresQuery, _ c: PostgresConnection) async throws -> [PostgresRow] {
        try await c.query(query, logger: logger).collect()
    }

    /// The rows of `query` on any connection.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await withConnection { c in try await c.query(query, logger: logger).collect() }
    }

    // MARK: Ingest

    public func commit(_ batch: [ReceivedMessage], receivedMs: Int64, durability: CommitDurability) async throws -> CommitOutcome {
        // Each telemetry message's span, by its place in the batch: its partition, then its row.
        let spans = batch.map { m -> (firstMs: Int64, lastMs: Int64)? in
            guard case .telemetry(let e) = m.message else { return nil }
            return TelemetrySpan.of(e, receivedMs: receivedMs)
        }
        try await partitions.ensure(firstMs: spans.compactMap { $0?.firstMs }, store: self)
        let changesAlerts = batch.contains { if case .telemetry = $0.message { false } else { true } }
        var workers = durability == .durable ? WorkerUpdates() : pendingWorkers.withLock { $0 }
        let (outcome, kept) = try await transaction(changingAlerts: changesAlerts) { c in
            if durability == .deferred { try await c.query("SET LOCAL synchronous_commit = off", logger: logger) }
            let outcome = try await store(batch, spans: spans, receivedMs: receivedMs, workers: &workers, c)
            workers.endBatch(batch)
            if durability != .deferred { try await write(&workers, c) }
            return (outcome, workers)
        }
        switch durability {
        case .durable: break
        case .deferred: pendingWorkers.withLock { $0 = kept }
        case .closing: pendingWorkers.withLock { $0 = WorkerUpdates() }
        }
        if outcome.alertChanges > 0 { changes.fire() }
        return outcome
    }

    private func store(
        _ batch: [ReceivedMessage], spans: [(firstMs: Int64, lastMs: Int64)?], receivedMs: Int64, workers: inout WorkerUpdates,
        _ c: PostgresConnection
    ) async throws
        -> CommitOutcome
    {
        var outcome = CommitOutcome()
        try await storeTelemetry(batch, spans: spans, receivedMs: receivedMs, workers: &workers, outcome: &outcome, c)
        for m in batch {
            let site = m.topics.site, gateway = m.topics.gateway
            switch m.message {
            case .alarm(let e):
                outcome.ack(m.topics, e.id)
                let stored = try await rows(
                    """
                    INSERT INTO events (source, id, site, gateway, type, worker, time_ms, received_ms, event)
                    VALUES (\(e.source), \(e.id), \(site), \(gateway), \(e.type), \(e.subject), \(e.data.time_ms), \(receivedMs), \(String(decoding: m.raw, as: UTF8.self)))
                    ON CONFLICT (source, id) DO NOTHING RETURNING seq
                    """, c)
                guard !stored.isEmpty else {
                    outcome.duplicates += 1
                    continue
                }
                outcome.storedAlarms += 1
                let timeMs = AlertBook.alarmTime(e.data.time_ms, receivedMs: receivedMs, clockOffsetMs: m.clockOffsetMs)
                if !AlertBook.isPlausible(e.data.time_ms, receivedMs: receivedMs) {
                    outcome.implausibleTimes.append((m.topics.events, e.data.time_ms))
                }
                if try await apply(AlertBook.change(e, topics: m.topics, timeMs: timeMs, receivedMs: receivedMs), c) { outcome.alertChanges += 1 }
                if let worker = e.subject {
                    workers.heard(site: site, worker: worker, gateway: gateway, atMs: timeMs)
                    if let l = e.data.location { workers.located(site: site, worker: worker, l) }
                }
            case .telemetry:
                break
            case .status(let e):
                // In the order received, as with SQLite (``SQLiteStore``): the state's time is when it changed.
                let changed = try await rows(
                    """
                    INSERT INTO gateways (site, gateway, state, time_ms) VALUES (\(site), \(gateway), \(e.data.state.rawValue), \(receivedMs))
                    ON CONFLICT (site, gateway) DO UPDATE SET state = excluded.state, time_ms = excluded.time_ms
                    WHERE excluded.state != gateways.state
                    RETURNING 1
                    """, c)
                guard !changed.isEmpty else { continue }
                if try await apply(AlertBook.change(e, topics: m.topics, receivedMs: receivedMs), c) { outcome.alertChanges += 1 }
            }
        }
        return outcome
    }

    /// The batch's telemetry in one statement (arrays unnested into rows), in `source` + `id`
    /// order, so two collectors storing the same resends lock their keys in one order.
    private func storeTelemetry(
        _ batch: [ReceivedMessage], spans: [(firstMs: Int64, lastMs: Int64)?], receivedMs: Int64, workers: inout WorkerUpdates,
        outcome: inout CommitOutcome, _ c: PostgresConnection
    ) async throws {
        struct Message {
            var index: Int, source: String, id: String, site: String, gateway: String
            var firstMs: Int64, lastMs: Int64, readings: Int
        }
        var messages: [Message] = []
        for (index, m) in batch.enumerated() {
            guard case .telemetry(let e) = m.message, let (first, last) = spans[index] else { continue }
            outcome.ack(m.topics, e.id)
            messages.append(
                Message(
                    index: index, source: e.source, id: e.id, site: m.topics.site, gateway: m.topics.gateway, firstMs: first, lastMs: last,
                    readings: e.readings.count))
        }
        guard !messages.isEmpty else { return }
        messages.sort { ($0.source, $0.id) < ($1.source, $1.id) }
        let stored = try await rows(
            """
            INSERT INTO telemetry (source, id, site, gateway, first_ms, last_ms, readings, received_ms, event)
            SELECT s, i, site, g, f, l, n, \(receivedMs), e
            FROM unnest(\(messages.map(\.source)), \(messages.map(\.id)), \(messages.map(\.site)), \(messages.map(\.gateway)),
                        \(messages.map(\.firstMs)), \(messages.map(\.lastMs)), \(messages.map { Int32($0.readings) }),
                        \(messages.map { String(decoding: batch[$0.index].raw, as: UTF8.self) }))
                AS m(s, i, site, g, f, l, n, e)
            ON CONFLICT DO NOTHING
            RETURNING source, id
            """, c)
        var new = Set<String>()
        for row in stored {
            let (source, id) = try row.decode((String, String).self)
            new.insert(source + "\u{0}" + id)
        }
        var longest: Int64 = 0
        for m in messages {
            // A message twice in one batch is stored once: the first takes its key.
            guard new.remove(m.source + "\u{0}" + m.id) != nil, case .telemetry(let e) = batch[m.index].message else {
                outcome.duplicates += 1
                continue
            }
            longest = max(longest, m.lastMs - m.firstMs)
            let unlisted = batch[m.index].unlisted
            for (k, r) in e.readings.enumerated() where unlisted.isEmpty || !unlisted.contains(r.worker) {
                workers.reading(site: m.site, gateway: m.gateway, r, at: .init(message: m.index, reading: k))
            }
            outcome.storedReadings += e.readings.count
        }
        if longest > 0 { try await c.query("UPDATE telemetry_longest SET ms = \(longest) WHERE ms < \(longest)", logger: logger) }
    }

    /// The workers' latest state, in key order (``WorkerUpdates/rows()``), one statement each table.
    private func write(_ workers: inout WorkerUpdates, _ c: PostgresConnection) async throws {
        let (w, r) = workers.rows()
        if !w.isEmpty {
            try await c.query(
                """
                INSERT INTO workers (site, worker, gateway, last_seen_ms, location, location_ms)
                SELECT s, w, g, seen, NULLIF(l, ''), NULLIF(lt, \(Int64.min))
                FROM unnest(\(w.map(\.site)), \(w.map(\.worker)), \(w.map(\.gateway)), \(w.map(\.lastSeenMs)),
                            \(w.map { $0.location ?? "" }), \(w.map { $0.locationMs ?? .min })) AS u(s, w, g, seen, l, lt)
                ON CONFLICT (site, worker) DO UPDATE SET
                    gateway = excluded.gateway,
                    last_seen_ms = GREATEST(workers.last_seen_ms, excluded.last_seen_ms),
                    location = CASE WHEN excluded.location_ms >= COALESCE(workers.location_ms, excluded.location_ms)
                                    THEN excluded.location ELSE workers.location END,
                    location_ms = GREATEST(workers.location_ms, excluded.location_ms)
                """, logger: logger)
        }
        if !r.isEmpty {
            try await c.query(
                """
                INSERT INTO worker_readings (site, worker, kind, device, time_ms, "values")
                SELECT * FROM unnest(\(r.map(\.site)), \(r.map(\.worker)), \(r.map(\.kind)), \(r.map(\.device)), \(r.map(\.timeMs)), \(r.map(\.values)))
                ON CONFLICT (site, worker, kind) DO UPDATE SET device = excluded.device, time_ms = excluded.time_ms, "values" = excluded."values"
                WHERE excluded.time_ms >= worker_readings.time_ms
                """, logger: logger)
        }
    }

    /// Applies `d` to the alerts inside the transaction (which holds the alert book's lock), as
    /// ``AlertBook/step(_:newest:superseded:onlyIfNew:)`` decides; true when an alert was created or changed.
    func apply(_ d: AlertBook.Change, onlyIfNew: Bool = false, _ c: PostgresConnection) async throws -> Bool {
        let found = try await rows(
            """
            SELECT \(unescaped: AlertBook.OpenAlert.columns), \(unescaped: AlertHandling.columns),
                EXISTS (SELECT 1 FROM alerts n WHERE n.site = a.site AND n.worker = a.worker AND n.kind = a.kind
                        AND n.condition = a.condition AND n.gateway = a.gateway AND n.alert_id > a.alert_id)
            FROM alerts a
            WHERE site = \(d.site) AND worker = \(d.worker) AND kind = \(d.kind) AND condition = \(d.condition) AND gateway = \(d.gateway)
              AND state != 'cleared'
            ORDER BY alert_id DESC LIMIT 1
            """, c)
        var newest: AlertBook.OpenAlert?, superseded = false
        if let row = found.first {
            let (id, gateway, openedMs, updatedMs, orderMs, location, state, worst, covers, aMs, aBy, rMs, rBy, resolution, note, eMs, newer) =
                try row.decode(
                    (
                        Int64, String, Int64, Int64, Int64, String?, String, String?, String?, Int64?, String?, Int64?, String?, String?, String?,
                        Int64?, Bool
                    ).self)
            newest = AlertBook.OpenAlert(
                id: id, gateway: gateway, openedMs: openedMs, updatedMs: updatedMs, orderMs: orderMs, location: location,
                state: AlarmPhase(rawValue: state),
                handling: AlertHandling(
                    acknowledgedMs: aMs, acknowledgedBy: aBy, resolvedMs: rMs, resolvedBy: rBy,
                    resolution: resolution.flatMap(AlertRecord.Resolution.init), note: note, escalatedMs: eMs),
                worst: worst, covers: covers)
            superseded = newer
        }
        switch try AlertBook.step(d, newest: newest, superseded: superseded, onlyIfNew: onlyIfNew) {
        case .ignore: return false
        case .update(let record, let columns):
            try await c.query(
                """
                WITH changed AS (
                    UPDATE alerts SET state = \(columns.state.rawValue), updated_ms = \(columns.updatedMs), order_ms = \(columns.orderMs),
                        location = \(columns.location),
                        worst = \(columns.worst), covers = \(columns.covers), snapshot = \(record.json)
                    WHERE alert_id = \(record.id) RETURNING alert_id, snapshot
                )
                \(unescaped: Self.logChanged)
                """, logger: logger)
        case .open(var record, let columns):
            let inserted = try await rows(
                """
                INSERT INTO alerts (site, gateway, worker, kind, condition, state, opened_ms, updated_ms, order_ms, location, worst, covers,
                                    snapshot, created_ms)
                VALUES (\(d.site), \(d.gateway), \(d.worker), \(d.kind), \(d.condition), \(columns.state.rawValue), \(d.timeMs),
                        \(columns.updatedMs), \(columns.orderMs), \(columns.location), \(columns.worst), \(columns.covers), '{}', \(d.receivedMs))
                RETURNING alert_id
                """, c)
            record.id = try inserted[0].decode(Int64.self)
            try await c.query(
                """
                WITH changed AS (UPDATE alerts SET snapshot = \(record.json) WHERE alert_id = \(record.id) RETURNING alert_id, snapshot)
                \(unescaped: Self.logChanged)
                """, logger: logger)
        }
        return true
    }

    /// The end of a statement whose `changed` holds the alerts it changed (`alert_id`,
    /// `snapshot`): their changes appended to the log, and the log's `NOTIFY` (delivered at
    /// commit, once however many a transaction sends), in the same round trip to the server.
    static let logChanged = """
        , logged AS (INSERT INTO alert_changes (alert_id, snapshot) SELECT alert_id, snapshot FROM changed RETURNING 1)
        SELECT pg_notify('\(changeChannel)', '') FROM logged
        """

    public func noteUnreadable(_ gateways: Set<Topics>, receivedMs: Int64) async throws -> Bool {
        let opened = try await transaction(changingAlerts: true) { c in
            var opened = false
            for topics in gateways.sorted(by: { ($0.site, $0.gateway) < ($1.site, $1.gateway) }) {
                opened = try await apply(AlertBook.unreadable(topics: topics, receivedMs: receivedMs), onlyIfNew: true, c) || opened
            }
            return opened
        }
        if opened { changes.fire() }
        return opened
    }

    /// The database answers within 2 s: for /healthz and the watchdog, which must not hang on a database that went away.
    public func isHealthy() async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await self.rows("SELECT 1").count) == 1 }
            group.addTask {
                try? await Task.sleep(for: .seconds(2))
                return false
            }
            let answer = await group.next() ?? false
            group.cancelAll()
            return answer
        }
    }
}

enum PostgresStoreError: Error, CustomStringConvertible {
    case badURL(String)
    /// The collector is shutting down.
    case closed
    /// What PostgreSQL or the connection said.
    case database(String)

    /// `error` without its query and values (postgres-nio's own description hides everything, its
    /// debug description shows the values bound, which can be health data): the error's code, the
    /// server's SQLSTATE and message, or what broke the connection.
    init(_ error: PSQLError) {
        var parts = ["\(error.code)"]
        if let state = error.serverInfo?[.sqlState] { parts.append("SQLSTATE \(state)") }
        if let message = error.serverInfo?[.message] { parts.append(message) }
        if let underlying = error.underlying { parts.append("\(underlying)") }
        self = .database(parts.joined(separator: ": "))
    }

    var description: String {
        switch self {
        case .badURL: "storage.postgres.url must be postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require]"
        case .closed: "the store's connections are closed (shutting down)"
        case .database(let what): "PostgreSQL: \(what)"
        }
    }
}
