import Foundation
import GRDB
import Wire

/// What the API and the exports filter on; every field optional.
public struct RecordFilter: Sendable, Equatable {
    public var fromMs: Int64?
    /// Exclusive.
    public var toMs: Int64?
    public var site: String?
    public var worker: String?
    /// Events: `fall` or `tw.canary.alarm.fall`. Telemetry: the reading kind (`gas`, `position`, …).
    public var type: String?

    public init(fromMs: Int64? = nil, toMs: Int64? = nil, site: String? = nil, worker: String? = nil, type: String? = nil) {
        self.fromMs = fromMs
        self.toMs = toMs
        self.site = site
        self.worker = worker
        self.type = type
    }

    func sql(typeColumn: String, expandType: Bool) -> (String, StatementArguments) {
        var clauses: [String] = []
        var arguments: StatementArguments = []
        if let v = fromMs {
            clauses.append("time_ms >= ?")
            arguments += [v]
        }
        if let v = toMs {
            clauses.append("time_ms < ?")
            arguments += [v]
        }
        if let v = site {
            clauses.append("site = ?")
            arguments += [v]
        }
        if let v = worker {
            clauses.append("worker = ?")
            arguments += [v]
        }
        if let v = type {
            clauses.append("\(typeColumn) = ?")
            arguments += [expandType && !v.contains(".") ? EventTypes.alarmPrefix + v : v]
        }
        return (clauses.isEmpty ? "1" : clauses.joined(separator: " AND "), arguments)
    }
}

/// Position in a time-ordered listing: the last row's time and sequence
/// number, so the next page starts exactly after it even when rows share a time.
public struct PageCursor: Sendable, Equatable, CustomStringConvertible {
    public var timeMs: Int64
    public var seq: Int64

    public init(timeMs: Int64, seq: Int64) {
        self.timeMs = timeMs
        self.seq = seq
    }

    public init?(_ text: String) {
        let parts = text.split(separator: "_")
        guard parts.count == 2, let t = Int64(parts[0]), let s = Int64(parts[1]) else { return nil }
        self.init(timeMs: t, seq: s)
    }

    public var description: String { "\(timeMs)_\(seq)" }
}

public struct StoredEvent: Sendable {
    public var cursor: PageCursor
    /// The CloudEvent JSON as received.
    public var json: String
    public var site: String?
    public var worker: String?
}

/// A stored telemetry message: where it came from, and the CloudEvent as received.
public struct StoredTelemetry: Sendable {
    /// The earliest reading's time and the row's sequence number.
    public var cursor: PageCursor
    public var site: String
    public var gateway: String
    public var event: [UInt8]
}

extension EventStore {
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

    /// Which alerts by their state: open (pre-alarm or alarm), or in one state.
    public enum StateFilter: Sendable, Equatable {
        case open
        case only(AlarmPhase)

        /// `open`, `pre-alarm`, `alarm` or `cleared`; nil for anything else.
        public init?(_ text: String) {
            if text == "open" { self = .open } else if let p = AlarmPhase(rawValue: text) { self = .only(p) } else { return nil }
        }
    }

    /// Which alerts by their handling: in one, or not resolved (unacknowledged or acknowledged).
    public enum HandlingFilter: Sendable, Equatable {
        case only(AlertRecord.Handling)
        case unresolved

        /// `unacknowledged`, `acknowledged`, `resolved` or `unresolved`; nil for anything else.
        public init?(_ text: String) {
            if text == "unresolved" {
                self = .unresolved
            } else if let h = AlertRecord.Handling(rawValue: text) {
                self = .only(h)
            } else {
                return nil
            }
        }
    }

    /// Alerts, newest first; nil filters take all.
    public func alerts(state: StateFilter?, handling: HandlingFilter? = nil, site: String?, worker: String? = nil, limit: Int) throws -> [String] {
        var clauses: [String] = [], arguments: StatementArguments = []
        switch state {
        case nil: break
        case .open: clauses.append("state != 'cleared'")
        case .only(let p):
            clauses.append("state = ?")
            arguments += [p.rawValue]
        }
        switch handling {
        case nil: break
        case .only(.unacknowledged): clauses.append("acknowledged_ms IS NULL AND resolved_ms IS NULL")
        case .only(.acknowledged): clauses.append("acknowledged_ms IS NOT NULL AND resolved_ms IS NULL")
        case .only(.resolved): clauses.append("resolved_ms IS NOT NULL")
        case .unresolved: clauses.append("resolved_ms IS NULL")
        }
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

    /// Every worker heard from, with their open alerts, as the JSON of `/api/v1/workers`.
    /// `current`: whether what is stored is up to date (the collector hears the broker and
    /// can store); when it is not, a worker without an open alarm is `unknown`, not `ok`.
    /// `health`: whether health readings and values are shown (the `medical` role, ``HealthData``).
    public func workers(site: String?, current: Bool = true, health: Bool = true) throws -> String {
        try pool.read { db in
            var arguments: StatementArguments = []
            var clause = "1"
            if let site {
                clause = "site = ?"
                arguments += [site]
            }
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM workers WHERE \(clause) ORDER BY site, worker", arguments: arguments)
            // A resolved alert is the coordinators' word that it needs nothing more, whatever its state.
            let open = try Row.fetchAll(
                db,
                sql: """
                    SELECT site, worker, state, snapshot FROM alerts WHERE state != 'cleared' AND resolved_ms IS NULL ORDER BY alert_id
                    """)
            let latest = try Row.fetchAll(
                db, sql: #"SELECT site, worker, kind, device, time_ms, "values" FROM worker_readings WHERE \#(clause) ORDER BY kind"#,
                arguments: arguments)
            let offline = Set(
                try Row.fetchAll(db, sql: "SELECT site, gateway FROM gateways WHERE state = 'offline'").map {
                    "\($0["site"] as String)\u{0}\($0["gateway"] as String)"
                })
            // Grouped once, not filtered once per worker: a large site has thousands of rows of each.
            func key(_ row: Row) -> String { "\(row["site"] as String)\u{0}\(row["worker"] as String)" }
            let openByWorker = Dictionary(grouping: open, by: key), latestByWorker = Dictionary(grouping: latest, by: key)
            var items: [String] = []
            for r in rows {
                let site: String = r["site"], worker: String = r["worker"]
                let mine = openByWorker[key(r)] ?? []
                let states = Set(mine.map { $0["state"] as String })
                // Unknown is not safe: with the gateway that hears a worker offline, or the broker out
                // of reach, "ok" would be a guess.
                let unheard = !current || offline.contains("\(site)\u{0}\(r["gateway"] as String)")
                let state = states.contains("alarm") ? "alarm" : states.contains("pre-alarm") ? "pre-alarm" : unheard ? "unknown" : "ok"
                let shown = (latestByWorker[key(r)] ?? []).filter { health || !HealthData.readingKinds.contains($0["kind"]) }
                let readings = shown.map { x -> String in
                    "\(JSONText.quoted(x["kind"])):{\"device\":\(JSONText.quoted(x["device"])),\"time_ms\":\(x["time_ms"] as Int64),\"values\":\(x["values"] as String)}"
                }
                items.append(
                    """
                    {"site":\(JSONText.quoted(site)),"worker":\(JSONText.quoted(worker)),"gateway":\(JSONText.quoted(r["gateway"])),\
                    "state":"\(state)","last_seen":"\(RFC3339.format(ms: r["last_seen_ms"]))","location":\(r["location"] as String? ?? "null"),\
                    "readings":{\(readings.joined(separator: ","))},"open_alerts":[\(mine.map { health ? $0["snapshot"] : HealthData.withoutHealth(alert: $0["snapshot"]) }.joined(separator: ","))]}
                    """)
            }
            return "{\"workers\":[\(items.joined(separator: ","))]}"
        }
    }

    /// Every worker id heard from: a researcher's pseudonym is found among their pseudonyms.
    func workerIDs() throws -> [String] {
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
