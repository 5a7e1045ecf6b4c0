import Foundation
import PostgresNIO
import Wire

/// The conditions of a query built from optional filters, and the values they bind, numbered
/// as PostgreSQL's placeholders are ($1, $2, …).
struct QueryConditions {
    private(set) var binds = PostgresBindings()
    private var clauses: [String] = []

    /// `sql`, each `?` in it standing for the next of `values`.
    mutating func add(_ sql: String, _ values: any PostgresDynamicTypeEncodable...) {
        var parts = sql.split(separator: "?", omittingEmptySubsequences: false).map(String.init)
        for (k, v) in values.enumerated() {
            binds.append(v)
            parts[k] += "$\(binds.count)"
        }
        clauses.append(parts.joined())
    }

    /// `WHERE …`, or nothing without conditions.
    var whereClause: String { clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ") }

    /// `LIMIT $n`, binding `n`: the last thing bound.
    mutating func limit(_ n: Int) -> String {
        binds.append(Int64(n))
        return "LIMIT $\(binds.count)"
    }
}

extension PostgresStore {
    /// `filter`'s conditions (``RecordFilter/conditions(typeColumn:expandType:)``), numbered.
    private func conditions(_ filter: RecordFilter, typeColumn: String, expandType: Bool) -> QueryConditions {
        var c = QueryConditions()
        for (sql, value) in filter.conditions(typeColumn: typeColumn, expandType: expandType) {
            switch value {
            case .int(let v): c.add(sql, v)
            case .text(let v): c.add(sql, v)
            }
        }
        return c
    }

    public func events(_ filter: RecordFilter, after cursor: PageCursor?, limit: Int) async throws -> [StoredEvent] {
        var c = conditions(filter, typeColumn: "type", expandType: true)
        if let cursor { c.add("(time_ms, seq) > (?, ?)", cursor.timeMs, cursor.seq) }
        let sql = "SELECT seq, time_ms, event, site, worker FROM events \(c.whereClause) ORDER BY time_ms, seq \(c.limit(limit))"
        return try await rows(PostgresQuery(unsafeSQL: sql, binds: c.binds)).map { row in
            let (seq, time, event, site, worker) = try row.decode((Int64, Int64, String, String?, String?).self)
            return StoredEvent(cursor: PageCursor(timeMs: time, seq: seq), json: event, site: site, worker: worker)
        }
    }

    /// As ``SQLiteStore/telemetry(_:after:limit:)``: messages by their first reading's time, found
    /// from `from - longest` so none with a reading in range is missed.
    public func telemetry(_ filter: RecordFilter, after cursor: PageCursor?, limit: Int) async throws -> [StoredTelemetry] {
        try await withConnection { connection in
            var c = QueryConditions()
            if let from = filter.fromMs {
                let longest = try await rows("SELECT ms FROM telemetry_longest", connection).first?.decode(Int64.self) ?? 0
                c.add("first_ms >= ?", from - longest)
                c.add("last_ms >= ?", from)
            }
            if let to = filter.toMs { c.add("first_ms < ?", to) }
            if let site = filter.site { c.add("site = ?", site) }
            if let cursor { c.add("(first_ms, seq) > (?, ?)", cursor.timeMs, cursor.seq) }
            let sql = "SELECT seq, first_ms, site, gateway, event FROM telemetry \(c.whereClause) ORDER BY first_ms, seq \(c.limit(limit))"
            return try await rows(PostgresQuery(unsafeSQL: sql, binds: c.binds), connection).map { row in
                let (seq, first, site, gateway, event) = try row.decode((Int64, Int64, String, String, String).self)
                return StoredTelemetry(cursor: PageCursor(timeMs: first, seq: seq), site: site, gateway: gateway, event: Array(event.utf8))
            }
        }
    }

    public func alerts(
        state: AlertStateFilter?, handling: AlertHandlingFilter?, site: String?, worker: String?, limit: Int
    ) async throws
        -> [String]
    {
        var c = QueryConditions()
        switch state {
        case nil: break
        case .open: c.add("state != 'cleared'")
        case .only(let p): c.add("state = ?", p.rawValue)
        }
        if let handling { c.add(handling.condition) }
        if let site { c.add("site = ?", site) }
        if let worker { c.add("worker = ?", worker) }
        let sql = "SELECT snapshot FROM alerts \(c.whereClause) ORDER BY updated_ms DESC, alert_id DESC \(c.limit(limit))"
        return try await rows(PostgresQuery(unsafeSQL: sql, binds: c.binds)).map { try $0.decode(String.self) }
    }

    public func alertsOpened(fromMs: Int64, toMs: Int64) async throws -> [OpenedAlert] {
        try await rows(
            """
            SELECT site, worker, kind, condition, state, opened_ms, updated_ms, covers FROM alerts
            WHERE worker != '' AND opened_ms >= \(fromMs) AND opened_ms < \(toMs)
            """
        ).compactMap { row in
            let (site, worker, kind, condition, state, opened, updated, covers) = try row.decode(
                (String, String, String, String, String, Int64, Int64, String?).self)
            return AlarmPhase(rawValue: state).map {
                OpenedAlert(
                    site: site, worker: worker, kind: kind, condition: condition, state: $0, openedMs: opened, updatedMs: updated,
                    coveredKinds: AlertCause.kinds(covered: covers))
            }
        }
    }

    public func alertChanges(after seq: Int64, limit: Int) async throws -> [(seq: Int64, snapshot: String)] {
        try await rows("SELECT seq, snapshot FROM alert_changes WHERE seq > \(seq) ORDER BY seq LIMIT \(Int64(limit))").map {
            try $0.decode((Int64, String).self)
        }
    }

    public func lastAlertChange() async throws -> Int64 {
        try await rows("SELECT COALESCE(MAX(seq), 0)::int8 FROM alert_changes")[0].decode(Int64.self)
    }

    public func workers(site: String?, current: Bool, health: Bool) async throws -> String {
        try await withConnection { c in
            // One snapshot of the database for the whole document.
            try await c.withTransaction(logger: logger) { c in
                try await c.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
                let bySite: PostgresQuery.StringInterpolation.SiteClause = .init(site)
                let workers = try await rows(
                    "SELECT site, worker, gateway, last_seen_ms, location FROM workers WHERE \(bySite) ORDER BY site, worker", c
                ).map { row in
                    let (site, worker, gateway, seen, location) = try row.decode((String, String, String, Int64, String?).self)
                    return WorkersDocument.Worker(site: site, worker: worker, gateway: gateway, lastSeenMs: seen, location: location)
                }
                let open = try await rows(
                    "SELECT site, worker, state, snapshot FROM alerts WHERE state != 'cleared' AND resolved_ms IS NULL ORDER BY alert_id", c
                ).compactMap { row in
                    let (site, worker, state, snapshot) = try row.decode((String, String, String, String).self)
                    return AlarmPhase(rawValue: state).map { WorkersDocument.OpenAlert(site: site, worker: worker, state: $0, snapshot: snapshot) }
                }
                let readings = try await rows(
                    #"SELECT site, worker, kind, device, time_ms, "values" FROM worker_readings WHERE \#(bySite) ORDER BY kind"#, c
                ).map { row in
                    let (site, worker, kind, device, time, values) = try row.decode((String, String, String, String, Int64, String).self)
                    return WorkersDocument.Reading(site: site, worker: worker, kind: kind, device: device, timeMs: time, values: values)
                }
                let offline = Set(
                    try await rows("SELECT site, gateway FROM gateways WHERE state = 'offline'", c).map { row in
                        let (site, gateway) = try row.decode((String, String).self)
                        return GatewayKey(site: site, gateway: gateway)
                    })
                return WorkersDocument.json(workers: workers, open: open, readings: readings, offline: offline, current: current, health: health)
            }
        }
    }

    public func workerIDs() async throws -> [String] {
        try await rows("SELECT DISTINCT worker FROM workers").map { try $0.decode(String.self) }
    }

    public func gateways() async throws -> [GatewayRecord] {
        try await rows("SELECT site, gateway, state, time_ms FROM gateways ORDER BY site, gateway").compactMap { row in
            let (site, gateway, state, time) = try row.decode((String, String, String, Int64).self)
            return GatewayStatus.State(rawValue: state).map {
                GatewayRecord(site: site, gateway: gateway, state: $0, since: RFC3339.format(ms: time))
            }
        }
    }

    public func counts() async throws -> (events: Int, readings: Int, alerts: Int) {
        let (events, readings, alerts) = try await rows(
            """
            SELECT (SELECT COUNT(*) FROM events), (SELECT COALESCE(SUM(readings), 0)::int8 FROM telemetry), (SELECT COUNT(*) FROM alerts)
            """)[0].decode((Int64, Int64, Int64).self)
        return (Int(events), Int(readings), Int(alerts))
    }
}

extension PostgresQuery.StringInterpolation {
    /// `site = $n`, or `true` for every site.
    struct SiteClause {
        var site: String?
        init(_ site: String?) { self.site = site }
    }

    mutating func appendInterpolation(_ clause: SiteClause) {
        if let site = clause.site {
            appendLiteral("site = ")
            appendInterpolation(site)
        } else {
            appendLiteral("true")
        }
    }
}
