import Foundation
import GRDB
import Wire

extension RecordFilter {
    /// ``conditions(typeColumn:expandType:)`` as a WHERE condition and its arguments.
    func sql(typeColumn: String, expandType: Bool) -> (String, StatementArguments) {
        let conditions = conditions(typeColumn: typeColumn, expandType: expandType)
        var arguments: StatementArguments = []
        for (_, value) in conditions {
            switch value {
            case .int(let v): arguments += [v]
            case .text(let v): arguments += [v]
            }
        }
        return (conditions.isEmpty ? "1" : conditions.map(\.sql).joined(separator: " AND "), arguments)
    }
}

extension SQLiteStore {
    /// Alarm events by time, oldest first, after `cursor`.
    public func events(_ filter: RecordFilter, after cursor: PageCursor?, limit: Int) throws -> [StoredEvent] {
        let (clause, arguments) = filter.sql(typeColumn: "type", expandType: true)
        return try page(table: "events", columns: "event, site, worker", where: clause, arguments, after: cursor, limit: limit).map {
            StoredEvent(cursor: PageCursor(timeMs: $0["time_ms"], seq: $0["seq"]), json: $0["event"], site: $0["site"], worker: $0["worker"])
        }
    }

    /// Telemetry messages that may hold readings of `filter`'s time range and
    /// site, in order of their earliest reading, after `cursor`. Readings of
    /// the worker and kind asked for are picked out of them by the caller.
    public func telemetry(_ filter: RecordFilter, after cursor: PageCursor?, limit: Int) throws -> [StoredTelemetry] {
        try pool.read { db in
            var clauses: [String] = [], arguments: StatementArguments = []
            if let from = filter.fromMs {
                // No message is longer than the longest stored, so none with a
                // reading at or after `from` starts before `from - longest`.
                let longest = try Int64.fetchOne(db, sql: "SELECT ms FROM telemetry_longest") ?? 0
                clauses += ["first_ms >= ?", "last_ms >= ?"]
                arguments += [from - longest, from]
            }
            if let to = filter.toMs {
                clauses.append("first_ms < ?")
                arguments += [to]
            }
            if let site = filter.site {
                clauses.append("site = ?")
                arguments += [site]
            }
            if let c = cursor {
                clauses.append("(first_ms, seq) > (?, ?)")
                arguments += [c.timeMs, c.seq]
            }
            arguments += [limit]
            let clause = clauses.isEmpty ? "1" : clauses.joined(separator: " AND ")
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT seq, first_ms, site, gateway, event FROM telemetry WHERE \(clause) ORDER BY first_ms, seq LIMIT ?
                    """, arguments: arguments
            ).map {
                StoredTelemetry(
                    cursor: PageCursor(timeMs: $0["first_ms"], seq: $0["seq"]), site: $0["site"], gateway: $0["gateway"],
                    event: Array(($0["event"] as String).utf8))
            }
        }
    }

    private func page(
        table: String, columns: String, where clause: String, _ arguments: StatementArguments,
        after cursor: PageCursor?, limit: Int
    ) throws -> [Row] {
        var clause = clause, arguments = arguments
        if let c = cursor {
            clause += " AND (time_ms, seq) > (?, ?)"
            arguments += [c.timeMs, c.seq]
        }
        arguments += [limit]
        return try pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT seq, time_ms, \(columns) FROM \(table) WHERE \(clause) ORDER BY time_ms, seq LIMIT ?",
                arguments: arguments)
        }
    }

    /// Alerts, newest first; nil filters take all.
    public func alerts(
        state: AlertStateFilter?, handling: AlertHandlingFilter? = nil, site: String?, worker: String? = nil, limit: Int
    ) throws -> [String] {
        var clauses: [String] = [], arguments: StatementArguments = []
        switch state {
        case nil: break
        case .open: clauses.append("state != 'cleared'")
        case .only(let p):
            clauses.append("state = ?")
            arguments += [p.rawValue]
        }
        if let handling { clauses.append(handling.condition) }
        if let site {
            clauses.append("site = ?")
            arguments += [site]
        }
        if let worker {
            clauses.append("worker = ?")
            arguments += [worker]
        }
        arguments += [limit]
        let clause = clauses.isEmpty ? "1" : clauses.joined(separator: " AND ")
        return try pool.read { db in
            try String.fetchAll(
                db, sql: "SELECT snapshot FROM alerts WHERE \(clause) ORDER BY updated_ms DESC, alert_id DESC LIMIT ?",
                arguments: arguments)
        }
    }

    public func alertsOpened(fromMs: Int64, toMs: Int64) throws -> [OpenedAlert] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT site, worker, kind, condition, state, opened_ms, updated_ms, covers FROM alerts
                    WHERE worker != '' AND opened_ms >= ? AND opened_ms < ?
                    """, arguments: [fromMs, toMs]
            ).map {
                OpenedAlert(
                    site: $0["site"], worker: $0["worker"], kind: $0["kind"], condition: $0["condition"], state: $0["state"],
                    openedMs: $0["opened_ms"], updatedMs: $0["updated_ms"], coveredKinds: AlertCause.kinds(covered: $0["covers"]))
            }
        }
    }

    /// Alert changes after `seq`, in order: the SSE feed.
    public func alertChanges(after seq: Int64, limit: Int) throws -> [(seq: Int64, snapshot: String)] {
        try pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT seq, snapshot FROM alert_changes WHERE seq > ? ORDER BY seq LIMIT ?",
                arguments: [seq, limit]
            ).map { ($0["seq"], $0["snapshot"]) }
        }
    }

    public func lastAlertChange() throws -> Int64 {
        try pool.read { try Int64.fetchOne($0, sql: "SELECT COALESCE(MAX(seq), 0) FROM alert_changes") ?? 0 }
    }

    /// Every worker heard from, with their open alerts, as the JSON of `/api/v1/workers` (``WorkersDocument``).
    public func workers(site: String?, current: Bool = true, health: Bool = true) throws -> String {
        try pool.read { db in
            var arguments: StatementArguments = []
            var clause = "1"
            if let site {
                clause = "site = ?"
                arguments += [site]
            }
            let workers = try Row.fetchAll(db, sql: "SELECT * FROM workers WHERE \(clause) ORDER BY site, worker", arguments: arguments).map {
                WorkersDocument.Worker(
                    site: $0["site"], worker: $0["worker"], gateway: $0["gateway"], lastSeenMs: $0["last_seen_ms"], location: $0["location"])
            }
            // A resolved alert is the coordinators' word that it needs nothing more, whatever its state.
            let open = try Row.fetchAll(
                db,
                sql: """
                    SELECT site, worker, state, snapshot FROM alerts WHERE state != 'cleared' AND resolved_ms IS NULL ORDER BY alert_id
                    """
            ).map { WorkersDocument.OpenAlert(site: $0["site"], worker: $0["worker"], state: $0["state"], snapshot: $0["snapshot"]) }
            let readings = try Row.fetchAll(
                db, sql: #"SELECT site, worker, kind, device, time_ms, "values" FROM worker_readings WHERE \#(clause) ORDER BY kind"#,
                arguments: arguments
            ).map {
                WorkersDocument.Reading(
                    site: $0["site"], worker: $0["worker"], kind: $0["kind"], device: $0["device"], timeMs: $0["time_ms"], values: $0["values"])
            }
            let offline = Set(
                try Row.fetchAll(db, sql: "SELECT site, gateway FROM gateways WHERE state = 'offline'").map {
                    GatewayKey(site: $0["site"], gateway: $0["gateway"])
                })
            return WorkersDocument.json(workers: workers, open: open, readings: readings, offline: offline, current: current, health: health)
        }
    }

    /// Every worker id heard from: a researcher's pseudonym is found among their pseudonyms.
    public func workerIDs() throws -> [String] {
        try pool.read { try String.fetchAll($0, sql: "SELECT DISTINCT worker FROM workers") }
    }

    /// Gateways and their last status (`online` / `offline`).
    public func gateways() throws -> [GatewayRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM gateways ORDER BY site, gateway").map {
                GatewayRecord(site: $0["site"], gateway: $0["gateway"], state: $0["state"], since: RFC3339.format(ms: $0["time_ms"]))
            }
        }
    }

    /// Alarm events, telemetry readings and alerts stored, for tests and metrics.
    public func counts() throws -> (events: Int, readings: Int, alerts: Int) {
        try pool.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events") ?? 0,
                try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(readings), 0) FROM telemetry") ?? 0,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM alerts") ?? 0
            )
        }
    }
}
