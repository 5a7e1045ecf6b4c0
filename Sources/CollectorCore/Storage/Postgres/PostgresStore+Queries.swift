import Foundation
import PostgresNIO
import Wire

extension PostgresStore {
    /// `filter` as a WHERE clause on `table`'s time column, binding into `binds` (``RecordFilter``).
    private func clause(_ filter: RecordFilter, typeColumn: String, expandType: Bool, _ binds: inout PostgresBindings) -> [String] {
        var clauses: [String] = []
        func bind(_ sql: String, _ value: some PostgresDynamicTypeEncodable) {
            binds.append(value)
            clauses.append(sql.replacingOccurrences(of: "?", with: "$\(binds.count)"))
        }
        if let v = filter.fromMs { bind("time_ms >= ?", v) }
        if let v = filter.toMs { bind("time_ms < ?", v) }
        if let v = filter.site { bind("site = ?", v) }
        if let v = filter.worker { bind("worker = ?", v) }
        if let v = filter.type { bind("\(typeColumn) = ?", expandType && !v.contains(".") ? EventTypes.alarmPrefix + v : v) }
        return clauses
    }

    public func events(_ filter: RecordFilter, after cursor: PageCursor?, limit: Int) async throws -> [StoredEvent] {
        var binds = PostgresBindings()
        var clauses = clause(filter, typeColumn: "type", expandType: true, &binds)
        if let c = cursor {
            binds.append(c.timeMs)
            binds.append(c.seq)
            clauses.append("(time_ms, seq) > ($\(binds.count - 1), $\(binds.count))")
        }
        binds.append(Int64(limit))
        let sql = """
            SELECT seq, time_ms, event, site, worker FROM events \(clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND "))
            ORDER BY time_ms, seq LIMIT $\(binds.count)
            """
        return try await rows(PostgresQuery(unsafeSQL: sql, binds: binds)).map { row in
            let (seq, time, event, site, worker) = try row.decode((Int64, Int64, String, String?, String?).self)
            return StoredEvent(cursor: PageCursor(timeMs: time, seq: seq), json: event, site: site, worker: worker)
        }
    }

    /// As ``SQLiteStore/telemetry(_:after:limit:)``: messages by their first reading's time, found
    /// from `from - longest` so none with a reading in range is missed.
    public func telemetry(_ filter: RecordFilter, after cursor: PageCursor?, limit: Int) async throws -> [StoredTelemetry] {
        try await withConnection { c in
            var binds = PostgresBindings(), clauses: [String] = []
            if let from = filter.fromMs {
                let longest = try await rows("SELECT ms FROM telemetry_longest", c).first?.decode(Int64.self) ?? 0
                binds.append(from - longest)
                binds.append(from)
                clauses += ["first_ms >= $\(binds.count - 1)", "last_ms >= $\(binds.count)"]
            }
            if let to = filter.toMs {
                binds.append(to)
                clauses.append("first_ms < $\(binds.count)")
            }
            if let site = filter.site {
                binds.append(site)
                clauses.append("site = $\(binds.count)")
            }
            if let cursor {
                binds.append(cursor.timeMs)
                binds.append(cursor.seq)
                clauses.append("(first_ms, seq) > ($\(binds.count - 1), $\(binds.count))")
            }
            binds.append(Int64(limit))
            let sql = """
                SELECT seq, first_ms, site, gateway, event FROM telemetry \(clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND "))
                ORDER BY first_ms, seq LIMIT $\(binds.count)
                """
            return try await rows(PostgresQuery(unsafeSQL: sql, binds: binds), c).map { row in
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
        var binds = PostgresBindings(), clauses: [String] = []
        switch state {
        case nil: break
        case .open: clauses.append("state != 'cleared'")
        case .only(let p):
            binds.append(p.rawValue)
            clauses.append("state = $\(binds.count)")
        }
        if let handling { clauses.append(handling.condition) }
        if let site {
            binds.append(site)
            clauses.append("site = $\(binds.count)")
        }
        if let worker {
            binds.append(worker)
            clauses.append("worker = $\(binds.count)")
        }
        binds.append(Int64(limit))
        let sql = """
            SELECT snapshot FROM alerts \(clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND "))
            ORDER BY updated_ms DESC, alert_id DESC LIMIT $\(binds.count)
            """
        return try await rows(PostgresQuery(unsafeSQL: sql, binds: binds)).map { try $0.decode(String.self) }
    }

    public func alertsOpened(fromMs: Int64, toMs: Int64) async throws -> [OpenedAlert] {
        try await rows(
            """
            SELECT site, worker, kind, condition, state, opened_ms, updated_ms FROM alerts
            WHERE worker != '' AND opened_ms >= \(fromMs) AND opened_ms < \(toMs)
            """
        ).compactMap { row in
            let (site, worker, kind, condition, state, opened, updated) = try row.decode((String, String, String, String, String, Int64, Int64).self)
            return AlarmPhase(rawValue: state).map {
                OpenedAlert(site: site, worker: worker, kind: kind, condition: condition, state: $0, openedMs: opened, updatedMs: updated)
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
