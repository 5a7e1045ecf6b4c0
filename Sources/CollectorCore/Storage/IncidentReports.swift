import Foundation
import GRDB
import Wire

/// A report as the reports API and the delivery see it.
public struct ReportRow: Sendable, Equatable {
    public var id: Int64
    public var alertID: Int64
    public var xroadID: String
    public var userID: String
    public var knownMs: Int64
    public var deadlineMs: Int64 { knownMs + IncidentReport.deadlineMs }
    /// How long a collector that took a report to deliver has it to itself: longer than an
    /// attempt can take (`egov.xroad.timeout` is at most 5 min); a collector that died
    /// meanwhile leaves it to another after this, well inside the 8 hours.
    static let claimMs: Int64 = 600_000
    public var body: String
    public var state: String
    public var attempts: Int
    public var nextAttemptMs: Int64
    public var lastError: String?
    public var deliveredMs: Int64?
    public var requestID: String?
    public var requestHash: String?

    /// The JSON of `/api/v1/reports`.
    var json: String {
        var out = "{\"id\":\(id),\"alert\":\(alertID),\"x_road_id\":\(JSONText.quoted(xroadID)),\"state\":\(JSONText.quoted(state)),"
        out += "\"known_at\":\"\(RFC3339.format(ms: knownMs))\",\"deadline\":\"\(RFC3339.format(ms: deadlineMs))\",\"attempts\":\(attempts)"
        if let e = lastError { out += ",\"last_error\":\(JSONText.quoted(e))" }
        if let t = deliveredMs { out += ",\"delivered\":\"\(RFC3339.format(ms: t))\"" }
        if let r = requestID { out += ",\"x_road_request_id\":\(JSONText.quoted(r))" }
        if let h = requestHash { out += ",\"x_road_request_hash\":\(JSONText.quoted(h))" }
        return out + ",\"report\":\(body)}"
    }
}

extension ReportRow {
    init(_ r: Row) {
        id = r["report_id"]
        alertID = r["alert_id"]
        xroadID = r["xroad_id"]
        userID = r["user_id"]
        knownMs = r["known_ms"]
        body = r["body"]
        state = r["state"]
        attempts = r["attempts"]
        nextAttemptMs = r["next_attempt_ms"]
        lastError = r["last_error"]
        deliveredMs = r["delivered_ms"]
        requestID = r["request_id"]
        requestHash = r["request_hash"]
    }
}

/// What one delivery attempt came to (``ReportDelivery``).
public enum DeliveryOutcome: Equatable {
    case delivered(requestID: String?, requestHash: String?)
    /// Our side is wrong (a `Client.*` error, another 4xx): a person must look; not retried.
    case refused(String)
    /// Theirs, or the way there (`Server.*`, 5xx, a timeout, a dropped connection): retried.
    case failed(String)
}

extension SQLiteStore {
    /// Makes the report of alert `id`'s incident in the resolving transaction, when `outcome`
    /// is reportable and none of the incident's alerts is in a report already. Every related
    /// alert must exist, reportable or not: an outcome that names an alert nobody raised is a
    /// mistake in the record.
    static func makeReport(
        for id: Int64, outcome: IncidentOutcome, by coordinator: String, nowMs: Int64, egov: EGovSettings,
        _ db: Database
    ) throws {
        let ids = [id] + (outcome.relatedAlerts ?? []).filter { $0 != id }
        let rows = try ids.map { alert -> Row in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT snapshot, COALESCE(created_ms, opened_ms) AS created FROM alerts WHERE alert_id = ?",
                    arguments: [alert])
            else { throw AlertHandlingError.noSuchRelatedAlert(alert) }
            return row
        }
        guard outcome.isReportable else { return }
        let already = try Int64.fetchOne(
            db, sql: "SELECT report_id FROM incident_alerts WHERE alert_id IN (\(ids.map { _ in "?" }.joined(separator: ",")))",
            arguments: StatementArguments(ids))
        guard already == nil else { return }
        let alerts = try rows.map { try JSONDecoder().decode(AlertRecord.self, from: Data(($0["snapshot"] as String).utf8)) }
        // The 8 hours run from the incident's first alarm reaching the collector.
        let knownMs = rows.map { $0["created"] as Int64 }.min()!
        let xroadID = UUID().uuidString.lowercased()
        let report = IncidentReport.make(id: xroadID, alerts: alerts, knownMs: knownMs, outcome: outcome, by: coordinator, nowMs: nowMs, egov: egov)
        try db.execute(
            sql: """
                INSERT INTO incident_reports (alert_id, xroad_id, user_id, known_ms, body, state, next_attempt_ms)
                VALUES (?, ?, ?, ?, ?, 'pending', ?)
                """, arguments: [id, xroadID, coordinator, knownMs, report.json, nowMs])
        let reportID = db.lastInsertedRowID
        for alert in ids { try db.execute(sql: "INSERT INTO incident_alerts (alert_id, report_id) VALUES (?, ?)", arguments: [alert, reportID]) }
    }

    /// Every report, newest first.
    public func reports() throws -> [ReportRow] {
        try pool.read { try Row.fetchAll($0, sql: "SELECT * FROM incident_reports ORDER BY report_id DESC").map(ReportRow.init) }
    }

    /// The pending report due first, if one is due. One at a time, so never two deliveries of
    /// reports are in flight at once (one collector on a SQLite file: nobody else to claim it from).
    public func nextPendingReport(nowMs: Int64) throws -> ReportRow? {
        try pool.read {
            try Row.fetchOne(
                $0,
                sql: "SELECT * FROM incident_reports WHERE state = 'pending' AND next_attempt_ms <= ? ORDER BY next_attempt_ms, report_id LIMIT 1",
                arguments: [nowMs]
            ).map(ReportRow.init)
        }
    }

    /// Records an attempt at delivering report `id` and its outcome, with the audit line, in one
    /// durable transaction; a failure is retried `retryAfterMs` later.
    public func recordAttempt(_ id: Int64, _ outcome: DeliveryOutcome, status: Int?, xroadError: String?, retryAfterMs: Int64, nowMs: Int64) throws {
        try durableWrite { db in
            var detail = ["report": String(id), "status": status.map(String.init) ?? "none"]
            if let xroadError { detail["x_road_error"] = xroadError }
            switch outcome {
            case .delivered(let requestID, let requestHash):
                try db.execute(
                    sql: """
                        UPDATE incident_reports SET state = 'delivered', attempts = attempts + 1, delivered_ms = ?, request_id = ?,
                            request_hash = ?, last_error = NULL WHERE report_id = ?
                        """, arguments: [nowMs, requestID, requestHash, id])
                detail["x_road_request_id"] = requestID ?? ""
                detail["x_road_request_hash"] = requestHash ?? ""
            case .refused(let why):
                try db.execute(
                    sql: "UPDATE incident_reports SET state = 'refused', attempts = attempts + 1, last_error = ? WHERE report_id = ?",
                    arguments: [why, id])
                detail["error"] = why
            case .failed(let why):
                try db.execute(
                    sql: """
                        UPDATE incident_reports SET attempts = attempts + 1, last_error = ?, next_attempt_ms = ? WHERE report_id = ?
                        """, arguments: [why, nowMs + retryAfterMs, id])
                detail["error"] = why
            }
            try Self.audit(AuditEntry(action: "report-attempt", actor: "canary-collector", detail: detail), nowMs: nowMs, db)
        }
    }

    /// Opens a `report-overdue` alert for each report not delivered 7 hours after the collector
    /// first knew of its incident: an hour before the legal deadline, someone must act. True
    /// when one opened. Waits for the disk: the alert is not undone by a power cut.
    @discardableResult
    public func flagOverdueReports(nowMs: Int64) throws -> Bool {
        let due = "SELECT * FROM incident_reports WHERE state != 'delivered' AND overdue_alerted = 0 AND known_ms + ? <= ?"
        let warnMs = IncidentReport.deadlineMs - 3_600_000
        guard try pool.read({ try Row.fetchOne($0, sql: due + " LIMIT 1", arguments: [warnMs, nowMs]) }) != nil else { return false }
        return try durableWrite { db in
            var opened = false
            for report in try Row.fetchAll(db, sql: due, arguments: [warnMs, nowMs]).map(ReportRow.init) {
                let site = try String.fetchOne(db, sql: "SELECT site FROM alerts WHERE alert_id = ?", arguments: [report.alertID]) ?? ""
                opened = try Self.apply(AlertBook.overdue(report, site: site, nowMs: nowMs), onlyIfNew: true, db: db) || opened
                try db.execute(sql: "UPDATE incident_reports SET overdue_alerted = 1 WHERE report_id = ?", arguments: [report.id])
            }
            return opened
        }
    }
}
