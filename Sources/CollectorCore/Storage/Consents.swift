import GRDB
import Wire

/// Workers' consent to research use of their health readings (heart rate,
/// sleep, overwork; the physiology of fatigue alarms). Health data is
/// special-category data under Taiwan's PDPA (art. 6): without a worker's
/// consent it is not used for research, so no consent is the default, and a
/// withdrawal takes a worker's health readings out of every export after it.
extension SQLiteStore {
    /// Records `site`/`worker`'s consent, and the change in the audit log, in one durable transaction.
    public func setConsent(site: String, worker: String, research: Bool, by actor: String, address: String?, nowMs: Int64) throws {
        try durableWrite { db in
            try db.execute(
                sql: """
                    INSERT INTO consents (site, worker, research, changed_ms) VALUES (?, ?, ?, ?)
                    ON CONFLICT (site, worker) DO UPDATE SET research = excluded.research, changed_ms = excluded.changed_ms
                    """, arguments: [site, worker, research, nowMs])
            try Self.audit(
                AuditEntry(
                    action: "consent", actor: actor, address: address,
                    detail: ["site": site, "worker": worker, "research": String(research)]), nowMs: nowMs, db)
        }
    }

    /// `site`/`worker`'s consent; never given: no.
    public func consent(site: String, worker: String) throws -> ConsentRecord {
        try pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT research, changed_ms FROM consents WHERE site = ? AND worker = ?",
                    arguments: [site, worker])
            else { return ConsentRecord(research: false, changed: nil) }
            return ConsentRecord(research: row["research"], changed: RFC3339.format(ms: row["changed_ms"]))
        }
    }

    /// The workers who consent to research use of their health readings.
    public func consentingWorkers() throws -> Set<WorkerID> {
        try pool.read { db in
            Set(
                try Row.fetchAll(db, sql: "SELECT site, worker FROM consents WHERE research").map { WorkerID(site: $0["site"], worker: $0["worker"]) }
            )
        }
    }
}
