import Foundation
import GRDB
import Wire

/// The coordinators' handling of an alert (docs/collector.md, "Acknowledge,
/// resolve, escalation"): unacknowledged → acknowledged → resolved with a reason. It is
/// apart from the alert's `state`, which is what the gateway reports of the
/// condition: a fall is acknowledged while the worker still lies there, and a
/// gas alarm that cleared by itself still waits for someone to say what it
/// was. An open alert that nobody acknowledges within `alerts.escalate_after`
/// escalates, once.
struct AlertHandling: Equatable {
    var acknowledgedMs: Int64?, acknowledgedBy: String?
    var resolvedMs: Int64?, resolvedBy: String?, resolution: AlertRecord.Resolution?, note: String?
    var escalatedMs: Int64?

    /// The columns ``init(_:from:)`` reads, in this order.
    static let columns = "acknowledged_ms, acknowledged_by, resolved_ms, resolved_by, resolution, note, escalated_ms"

    var state: AlertRecord.Handling { resolvedMs != nil ? .resolved : acknowledgedMs != nil ? .acknowledged : .unacknowledged }

    /// A coordinator's acknowledgement: someone is on it. The first stands; a second is refused, naming
    /// who acknowledged it, and is no action in the audit log (a replay changed nothing).
    mutating func acknowledge(by coordinator: String, nowMs: Int64) throws(AlertHandlingError) {
        guard resolvedMs == nil else { throw .alreadyResolved }
        guard acknowledgedMs == nil else { throw .alreadyAcknowledged(by: acknowledgedBy ?? "") }
        acknowledgedMs = nowMs
        acknowledgedBy = coordinator
    }

    /// A coordinator's resolution with its reason (acknowledging it too, if nobody had).
    mutating func resolve(by coordinator: String, reason: AlertRecord.Resolution, note: String?, nowMs: Int64) throws(AlertHandlingError) {
        guard resolvedMs == nil else { throw .alreadyResolved }
        if acknowledgedMs == nil {
            acknowledgedMs = nowMs
            acknowledgedBy = coordinator
        }
        resolvedMs = nowMs
        resolvedBy = coordinator
        resolution = reason
        self.note = note
    }

    /// The alert `snapshot` (its JSON) with this handling, as JSON.
    func applied(to snapshot: String) throws -> String {
        var record = try JSONDecoder().decode(AlertRecord.self, from: Data(snapshot.utf8))
        apply(to: &record)
        return record.json
    }

    /// The audit line of a resolution.
    static func resolutionDetail(_ id: Int64, reason: AlertRecord.Resolution, note: String?, outcome: IncidentOutcome?) -> [String: String] {
        var detail = ["alert": String(id), "reason": reason.rawValue, "note": note ?? ""]
        if let o = outcome {
            detail["outcome"] = "deaths \(o.deaths), injured \(o.injured), hospitalised \(o.hospitalised): \(o.description)"
            detail["related_alerts"] = (o.relatedAlerts ?? []).map(String.init).joined(separator: ",")
        }
        return detail
    }

    /// `record` as coordinators see it with this handling.
    func apply(to record: inout AlertRecord) {
        record.handling = state
        record.acknowledged = acknowledgedMs.map(RFC3339.format)
        record.acknowledgedBy = acknowledgedBy
        record.resolved = resolvedMs.map(RFC3339.format)
        record.resolvedBy = resolvedBy
        record.resolution = resolution
        record.note = note
        record.escalated = escalatedMs.map(RFC3339.format)
    }
}

extension AlertHandling {
    /// From ``columns`` starting at column `i` of a row of the ingest's cached statements.
    init(_ c: BoundStatement.Columns, from i: Int32) {
        acknowledgedMs = c.optionalInt64(i)
        acknowledgedBy = c.text(i + 1)
        resolvedMs = c.optionalInt64(i + 2)
        resolvedBy = c.text(i + 3)
        resolution = c.text(i + 4).flatMap(AlertRecord.Resolution.init)
        note = c.text(i + 5)
        escalatedMs = c.optionalInt64(i + 6)
    }
}

/// What a coordinator asked of an alert that cannot be done.
public enum AlertHandlingError: Error, Equatable {
    case noSuchAlert
    /// A resolved alert is closed: it is neither acknowledged nor resolved again.
    case alreadyResolved
    /// Someone is on it already: the first acknowledgement stands.
    case alreadyAcknowledged(by: String)
    /// An incident's outcome names an alert that does not exist.
    case noSuchRelatedAlert(Int64)
}

extension SQLiteStore {
    /// Acknowledges alert `id` for `coordinator`: someone is on it. The first
    /// acknowledgement stands; acknowledging again is refused, and its audit line with it. The alert's JSON.
    /// The audit log records it in the same transaction, with the client's `address`.
    public func acknowledge(_ id: Int64, by coordinator: String, address: String? = nil, nowMs: Int64) throws -> String {
        try durableWrite { db in
            try Self.audit(AuditEntry(action: "acknowledge", actor: coordinator, address: address, detail: ["alert": String(id)]), nowMs: nowMs, db)
            return try changeHandling(of: id, db) { try $0.acknowledge(by: coordinator, nowMs: nowMs) }
        }
    }

    /// Resolves alert `id` (acknowledging it too, if nobody had) with a reason
    /// from ``AlertHandling/resolutions`` and an optional note. A real incident
    /// comes with its `outcome`; when OSH Act art. 37 makes it reportable, its
    /// report is made in the same transaction (docs/egov.md). The alert's JSON.
    public func resolve(
        _ id: Int64, by coordinator: String, reason: AlertRecord.Resolution, note: String?, outcome: IncidentOutcome? = nil,
        egov: EGovSettings = EGovSettings(), address: String? = nil, nowMs: Int64
    ) throws -> String {
        try durableWrite { db in
            let detail = AlertHandling.resolutionDetail(id, reason: reason, note: note, outcome: outcome)
            try Self.audit(AuditEntry(action: "resolve", actor: coordinator, address: address, detail: detail), nowMs: nowMs, db)
            let alert = try changeHandling(of: id, db) { try $0.resolve(by: coordinator, reason: reason, note: note, nowMs: nowMs) }
            if let outcome { try Self.makeReport(for: id, outcome: outcome, by: coordinator, nowMs: nowMs, egov: egov, db) }
            return alert
        }
    }

    /// Escalates every open alert that nobody acknowledged or resolved within
    /// `afterMs` of its opening (by the gateway's clock or the collector's,
    /// whichever is earlier). The escalated alerts' JSON.
    public func escalate(nowMs: Int64, afterMs: Int64) throws -> [String] {
        let due = """
            SELECT alert_id FROM alerts
            WHERE acknowledged_ms IS NULL AND resolved_ms IS NULL AND escalated_ms IS NULL AND state != 'cleared'
              AND MIN(opened_ms, COALESCE(created_ms, opened_ms)) <= ?
            ORDER BY alert_id
            """
        // Most seconds nothing is due: a read finds that without taking the write lock alarms wait for.
        guard try pool.read({ try Int64.fetchOne($0, sql: due + " LIMIT 1", arguments: [nowMs - afterMs]) }) != nil else { return [] }
        return try durableWrite { db in
            try Int64.fetchAll(db, sql: due, arguments: [nowMs - afterMs]).map { id in
                try changeHandling(of: id, db) { $0.escalatedMs = nowMs }
            }
        }
    }

    /// Lets `edit` change alert `id`'s handling (or refuse, throwing), then writes the
    /// columns, the snapshot and a change for the feed. The alert's JSON.
    private func changeHandling(of id: Int64, _ db: Database, _ edit: (inout AlertHandling) throws -> Void) throws -> String {
        guard
            let row = try BoundStatement(db, sql: "SELECT snapshot, \(AlertHandling.columns) FROM alerts WHERE alert_id = ?")
                .first(.int(id), read: { (snapshot: $0.text(0) ?? "", handling: AlertHandling($0, from: 1)) })
        else { throw AlertHandlingError.noSuchAlert }
        let snapshot = row.snapshot
        var handling = row.handling
        try edit(&handling)
        let changed = try handling.applied(to: snapshot)
        try db.execute(
            sql: """
                UPDATE alerts SET acknowledged_ms = ?, acknowledged_by = ?, resolved_ms = ?, resolved_by = ?, resolution = ?, note = ?,
                    escalated_ms = ?, snapshot = ? WHERE alert_id = ?
                """,
            arguments: [
                handling.acknowledgedMs, handling.acknowledgedBy, handling.resolvedMs, handling.resolvedBy,
                handling.resolution, handling.note, handling.escalatedMs, changed, id,
            ])
        try db.execute(sql: "INSERT INTO alert_changes (alert_id, snapshot) VALUES (?, ?)", arguments: [id, changed])
        return changed
    }
}
