import Foundation
import PostgresNIO
import Wire

/// Coordinators' actions, the audit log, consent, secrets and the
/// occupational-accident reports, as ``SQLiteStore`` keeps them: each action
/// with its audit line in one transaction that waits for the disk.
extension PostgresStore {
    public func acknowledge(_ id: Int64, by coordinator: String, address: String?, nowMs: Int64) async throws -> String {
        try await handling { c in
            try await audit(AuditEntry(action: "acknowledge", actor: coordinator, address: address, detail: ["alert": String(id)]), nowMs: nowMs, c)
            return try await changeHandling(of: id, c) { try $0.acknowledge(by: coordinator, nowMs: nowMs) }
        }
    }

    public func resolve(
        _ id: Int64, by coordinator: String, reason: AlertRecord.Resolution, note: String?, outcome: IncidentOutcome?,
        egov: EGovSettings, address: String?, nowMs: Int64
    ) async throws -> String {
        try await handling { c in
            let detail = AlertHandling.resolutionDetail(id, reason: reason, note: note, outcome: outcome)
            try await audit(AuditEntry(action: "resolve", actor: coordinator, address: address, detail: detail), nowMs: nowMs, c)
            let alert = try await changeHandling(of: id, c) { try $0.resolve(by: coordinator, reason: reason, note: note, nowMs: nowMs) }
            if let outcome { try await makeReport(for: id, outcome: outcome, by: coordinator, nowMs: nowMs, egov: egov, c) }
            return alert
        }
    }

    /// Each due alert escalates once, whichever collector looks first: the alert book's lock
    /// makes the others wait, and they then find it escalated.
    public func escalate(nowMs: Int64, afterMs: Int64) async throws -> [String] {
        let due: PostgresQuery = """
            SELECT alert_id FROM alerts
            WHERE acknowledged_ms IS NULL AND resolved_ms IS NULL AND escalated_ms IS NULL AND state != 'cleared'
              AND LEAST(opened_ms, COALESCE(created_ms, opened_ms)) <= \(nowMs - afterMs)
            ORDER BY alert_id
            """
        // Most seconds nothing is due: a read finds that without the alert book's lock.
        guard try await !rows(due).isEmpty else { return [] }
        let escalated = try await transaction(changingAlerts: true) { c in
            var escalated: [String] = []
            for row in try await rows(due, c) {
                escalated.append(
                    try await changeHandling(of: try row.decode(Int64.self), c) { $0.escalatedMs = nowMs })
            }
            return escalated
        }
        if !escalated.isEmpty { changes.fire() }
        return escalated
    }

    /// A coordinator's action, in a transaction that holds the alert book's lock; the feed
    /// wakes once it is committed.
    private func handling(_ body: (PostgresConnection) async throws -> String) async throws -> String {
        let alert = try await transaction(changingAlerts: true, body)
        changes.fire()
        return alert
    }

    /// As ``SQLiteStore``'s: lets `edit` change the handling (or refuse, throwing), then writes the
    /// columns, the snapshot and a change for the feed. The alert's JSON.
    private func changeHandling(of id: Int64, _ c: PostgresConnection, _ edit: (inout AlertHandling) throws -> Void) async throws -> String {
        guard let row = try await rows("SELECT snapshot, \(unescaped: AlertHandling.columns) FROM alerts WHERE alert_id = \(id)", c).first else {
            throw AlertHandlingError.noSuchAlert
        }
        let (snapshot, aMs, aBy, rMs, rBy, resolution, note, eMs) = try row.decode(
            (String, Int64?, String?, Int64?, String?, String?, String?, Int64?).self)
        var h = AlertHandling(
            acknowledgedMs: aMs, acknowledgedBy: aBy, resolvedMs: rMs, resolvedBy: rBy, resolution: resolution.flatMap(AlertRecord.Resolution.init),
            note: note, escalatedMs: eMs)
        try edit(&h)
        let changed = try h.applied(to: snapshot)
        try await c.query(
            """
            WITH changed AS (
                UPDATE alerts SET acknowledged_ms = \(h.acknowledgedMs), acknowledged_by = \(h.acknowledgedBy), resolved_ms = \(h.resolvedMs),
                    resolved_by = \(h.resolvedBy), resolution = \(h.resolution?.rawValue), note = \(h.note), escalated_ms = \(h.escalatedMs),
                    snapshot = \(changed)
                WHERE alert_id = \(id) RETURNING alert_id, snapshot
            )
            \(unescaped: Self.logChanged)
            """, logger: logger)
        return changed
    }

    // MARK: Audit

    public func audit(_ entries: [AuditEntry], nowMs: Int64) async throws {
        guard !entries.isEmpty else { return }
        try await transaction { c in
            for e in entries { try await audit(e, nowMs: nowMs, c) }
        }
    }

    /// Appends one entry inside a transaction already open, holding the audit's lock until it
    /// ends, so the log's ids are in commit order and each entry chains to the one committed
    /// before it (``AuditChain``), whichever collector wrote that.
    func audit(_ e: AuditEntry, nowMs: Int64, _ c: PostgresConnection) async throws {
        try await c.query("SELECT pg_advisory_xact_lock(\(PostgresLocks.audit))", logger: logger)
        let last = try await rows("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", c).first?.decode((Int64, String?).self)
        let link = AuditLink(e, after: last.map { (seq: $0.0, hash: $0.1) }, timeMs: nowMs)
        try await c.query(
            """
            INSERT INTO audit (seq, time_ms, action, actor, address, detail, hash)
            VALUES (\(link.seq), \(link.timeMs), \(link.action), \(link.actor), \(link.address), \(link.detail), \(link.hash))
            """, logger: logger)
    }

    public func auditLinks(after seq: Int64, limit: Int) async throws -> [AuditLink] {
        try await rows(
            "SELECT seq, time_ms, action, actor, address, detail, hash FROM audit WHERE seq > \(seq) ORDER BY seq LIMIT \(Int64(limit))"
        ).map { row in
            let (seq, time, action, actor, address, detail, hash) = try row.decode((Int64, Int64, String, String, String?, String, String?).self)
            return AuditLink(seq: seq, timeMs: time, action: action, actor: actor, address: address, detail: detail, hash: hash)
        }
    }

    public func recordAuditBreaks(_ seqs: [Int64], nowMs: Int64) async throws -> Bool {
        guard let first = seqs.first else { return false }
        let opened = try await transaction(changingAlerts: true) { c in
            for seq in seqs { try await audit(AuditChain.breakEntry(seq), nowMs: nowMs, c) }
            return try await apply(AlertBook.auditBroken(first: first, count: seqs.count, nowMs: nowMs), onlyIfNew: true, c)
        }
        if opened { changes.fire() }
        return opened
    }

    public func auditLog(after seq: Int64, limit: Int) async throws -> [AuditRecord] {
        try await rows("SELECT seq, time_ms, action, actor, address, detail FROM audit WHERE seq > \(seq) ORDER BY seq LIMIT \(Int64(limit))")
            .map(Self.auditRecord)
    }

    public func auditLog(about who: WorkerID) async throws -> [AuditRecord] {
        try await rows(
            """
            SELECT seq, time_ms, action, actor, address, detail FROM audit
            WHERE (detail::jsonb ->> 'site' = \(who.site) AND detail::jsonb ->> 'worker' = \(who.worker))
               OR (action IN ('acknowledge', 'resolve')
                   AND (detail::jsonb ->> 'alert')::int8 IN (SELECT alert_id FROM alerts WHERE site = \(who.site) AND worker = \(who.worker)))
            ORDER BY seq
            """
        ).map(Self.auditRecord)
    }

    private static func auditRecord(_ row: PostgresRow) throws -> AuditRecord {
        let (seq, time, action, actor, address, detail) = try row.decode((Int64, Int64, String, String, String?, String).self)
        return AuditRecord(
            seq: seq, time: RFC3339.format(ms: time), action: action, actor: actor, address: address,
            detail: try JSONDecoder().decode([String: String].self, from: Data(detail.utf8)))
    }

    public func lastConfigAudited() async throws -> String? {
        try await rows("SELECT detail::jsonb ->> 'config' FROM audit WHERE action = 'config' ORDER BY seq DESC LIMIT 1").first?.decode(String?.self)
    }

    // MARK: Consent and secrets

    public func setConsent(site: String, worker: String, research: Bool, by actor: String, address: String?, nowMs: Int64) async throws {
        try await transaction { c in
            try await c.query(
                """
                INSERT INTO consents (site, worker, research, changed_ms) VALUES (\(site), \(worker), \(research), \(nowMs))
                ON CONFLICT (site, worker) DO UPDATE SET research = excluded.research, changed_ms = excluded.changed_ms
                """, logger: logger)
            try await audit(
                AuditEntry(
                    action: "consent", actor: actor, address: address, detail: ["site": site, "worker": worker, "research": String(research)]),
                nowMs: nowMs, c)
        }
    }

    public func consent(site: String, worker: String) async throws -> ConsentRecord {
        guard let row = try await rows("SELECT research, changed_ms FROM consents WHERE site = \(site) AND worker = \(worker)").first else {
            return ConsentRecord(research: false, changed: nil)
        }
        let (research, changed) = try row.decode((Bool, Int64).self)
        return ConsentRecord(research: research, changed: RFC3339.format(ms: changed))
    }

    public func consentingWorkers() async throws -> Set<WorkerID> {
        Set(
            try await rows("SELECT site, worker FROM consents WHERE research").map { row in
                let (site, worker) = try row.decode((String, String).self)
                return WorkerID(site: site, worker: worker)
            })
    }

    /// As ``SQLiteStore/pseudonymKey()``; the first collector to ask makes it, the others read it.
    public func pseudonymKey() async throws -> [UInt8] {
        var rng = SystemRandomNumberGenerator()
        let candidate = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
        return try await transaction { c in
            try await c.query(
                "INSERT INTO secrets (name, value) VALUES ('pseudonyms', \(ByteBuffer(bytes: candidate))) ON CONFLICT (name) DO NOTHING",
                logger: logger)
            let stored = try await rows("SELECT value FROM secrets WHERE name = 'pseudonyms'", c)[0].decode(ByteBuffer.self)
            return Array(buffer: stored)
        }
    }

    // MARK: Occupational-accident reports

    /// As ``SQLiteStore/makeReport(for:outcome:by:nowMs:egov:_:)``, in the resolving transaction.
    private func makeReport(
        for id: Int64, outcome: IncidentOutcome, by coordinator: String, nowMs: Int64, egov: EGovSettings, _ c: PostgresConnection
    ) async throws {
        let ids = [id] + (outcome.relatedAlerts ?? []).filter { $0 != id }
        var alerts: [AlertRecord] = [], knownMs = Int64.max
        for alert in ids {
            guard
                let row = try await rows(
                    "SELECT snapshot, COALESCE(created_ms, opened_ms) FROM alerts WHERE alert_id = \(alert)", c
                ).first
            else { throw AlertHandlingError.noSuchRelatedAlert(alert) }
            let (snapshot, created) = try row.decode((String, Int64).self)
            alerts.append(try JSONDecoder().decode(AlertRecord.self, from: Data(snapshot.utf8)))
            knownMs = min(knownMs, created)
        }
        guard outcome.isReportable else { return }
        guard try await rows("SELECT 1 FROM incident_alerts WHERE alert_id = ANY(\(ids))", c).isEmpty else { return }
        let xroadID = UUID().uuidString.lowercased()
        let report = IncidentReport.make(id: xroadID, alerts: alerts, knownMs: knownMs, outcome: outcome, by: coordinator, nowMs: nowMs, egov: egov)
        let reportID = try await rows(
            """
            INSERT INTO incident_reports (alert_id, xroad_id, user_id, known_ms, body, state, next_attempt_ms)
            VALUES (\(id), \(xroadID), \(coordinator), \(knownMs), \(report.json), 'pending', \(nowMs))
            RETURNING report_id
            """, c)[0].decode(Int64.self)
        try await c.query(
            "INSERT INTO incident_alerts (alert_id, report_id) SELECT a, \(reportID) FROM unnest(\(ids)) AS a", logger: logger)
    }

    private static let reportColumns = """
        report_id, alert_id, xroad_id, user_id, known_ms, body, state, attempts, next_attempt_ms, last_error, delivered_ms, request_id, request_hash
        """

    private static func report(_ row: PostgresRow) throws -> ReportRow {
        let (id, alert, xroad, user, known, body, state, attempts, next, error, delivered, requestID, requestHash) = try row.decode(
            (Int64, Int64, String, String, Int64, String, String, Int32, Int64, String?, Int64?, String?, String?).self)
        return ReportRow(
            id: id, alertID: alert, xroadID: xroad, userID: user, knownMs: known, body: body, state: state, attempts: Int(attempts),
            nextAttemptMs: next, lastError: error, deliveredMs: delivered, requestID: requestID, requestHash: requestHash)
    }

    public func reports() async throws -> [ReportRow] {
        try await rows("SELECT \(unescaped: Self.reportColumns) FROM incident_reports ORDER BY report_id DESC").map(Self.report)
    }

    /// The pending report due first, claimed: its next attempt moved ``ReportRow/claimMs`` on,
    /// so the other collectors leave it alone while this one delivers it (a row they find
    /// locked they skip). Never two deliveries of one report in flight.
    public func nextPendingReport(nowMs: Int64) async throws -> ReportRow? {
        try await transaction { c in
            try await rows(
                """
                WITH due AS (
                    SELECT \(unescaped: Self.reportColumns) FROM incident_reports
                    WHERE state = 'pending' AND next_attempt_ms <= \(nowMs)
                    ORDER BY next_attempt_ms, report_id LIMIT 1 FOR UPDATE SKIP LOCKED
                ), claimed AS (
                    UPDATE incident_reports SET next_attempt_ms = \(nowMs + ReportRow.claimMs) FROM due
                    WHERE incident_reports.report_id = due.report_id
                )
                SELECT * FROM due
                """, c
            ).first.map(Self.report)
        }
    }

    public func recordAttempt(
        _ id: Int64, _ outcome: DeliveryOutcome, status: Int?, xroadError: String?, retryAfterMs: Int64, nowMs: Int64
    )
        async throws
    {
        try await transaction { c in
            var detail = ["report": String(id), "status": status.map(String.init) ?? "none"]
            if let xroadError { detail["x_road_error"] = xroadError }
            switch outcome {
            case .delivered(let requestID, let requestHash):
                try await c.query(
                    """
                    UPDATE incident_reports SET state = 'delivered', attempts = attempts + 1, delivered_ms = \(nowMs), request_id = \(requestID),
                        request_hash = \(requestHash), last_error = NULL WHERE report_id = \(id)
                    """, logger: logger)
                detail["x_road_request_id"] = requestID ?? ""
                detail["x_road_request_hash"] = requestHash ?? ""
            case .refused(let why):
                try await c.query(
                    "UPDATE incident_reports SET state = 'refused', attempts = attempts + 1, last_error = \(why) WHERE report_id = \(id)",
                    logger: logger)
                detail["error"] = why
            case .failed(let why):
                try await c.query(
                    """
                    UPDATE incident_reports SET attempts = attempts + 1, last_error = \(why), next_attempt_ms = \(nowMs + retryAfterMs)
                    WHERE report_id = \(id)
                    """, logger: logger)
                detail["error"] = why
            }
            try await audit(AuditEntry(action: "report-attempt", actor: "canary-collector", detail: detail), nowMs: nowMs, c)
        }
    }

    public func flagOverdueReports(nowMs: Int64) async throws -> Bool {
        let warnMs = IncidentReport.deadlineMs - 3_600_000
        let due: PostgresQuery = """
            SELECT \(unescaped: Self.reportColumns) FROM incident_reports
            WHERE state != 'delivered' AND NOT overdue_alerted AND known_ms + \(warnMs) <= \(nowMs)
            """
        guard try await !rows(due).isEmpty else { return false }
        let opened = try await transaction(changingAlerts: true) { c in
            var opened = false
            for report in try await rows(due, c).map(Self.report) {
                let site = try await rows("SELECT site FROM alerts WHERE alert_id = \(report.alertID)", c).first?.decode(String.self) ?? ""
                opened = try await apply(AlertBook.overdue(report, site: site, nowMs: nowMs), onlyIfNew: true, c) || opened
                try await c.query("UPDATE incident_reports SET overdue_alerted = true WHERE report_id = \(report.id)", logger: logger)
            }
            return opened
        }
        if opened { changes.fire() }
        return opened
    }
}
