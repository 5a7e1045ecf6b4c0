import Foundation
import GRDB
import Wire

/// One line of the audit log (docs/collector.md, "Audit"): who did what that
/// matters to the workers whose data this is, or to an inspector asking later
/// who knew what when. The log is append-only: the schema's triggers refuse
/// every UPDATE and DELETE, and the API has no route that writes it.
public struct AuditEntry: Sendable, Equatable {
    /// What was done: `acknowledge`, `resolve`, `export`, `token-refused`, `config`.
    public var action: String
    /// The token's name from the config; empty for a caller nobody knows.
    public var actor: String
    /// The client's address, where there is a client.
    public var address: String?
    /// The particulars, a JSON object (the alert, the filter and rows, the route …).
    public var detail: [String: String]

    public init(action: String, actor: String, address: String? = nil, detail: [String: String] = [:]) {
        self.action = action
        self.actor = actor
        self.address = address
        self.detail = detail
    }

    var detailJSON: String {
        "{" + detail.sorted { $0.key < $1.key }.map { "\(JSONText.quoted($0.key)):\(JSONText.quoted($0.value))" }.joined(separator: ",") + "}"
    }
}

extension SQLiteStore {
    /// Appends entries in one durable transaction.
    public func audit(_ entries: [AuditEntry], nowMs: Int64) throws {
        guard !entries.isEmpty else { return }
        try durableWrite { db in
            for e in entries { try Self.audit(e, nowMs: nowMs, db) }
        }
    }

    /// Appends one entry inside a transaction already open: a coordinator's
    /// action and its audit line are committed together or not at all. SQLite's
    /// single writer orders the chain: the entry before is the newest stored.
    static func audit(_ e: AuditEntry, nowMs: Int64, _ db: Database) throws {
        let last = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").map {
            (seq: $0["seq"] as Int64, hash: $0["hash"] as String?)
        }
        let link = AuditLink(e, after: last, timeMs: nowMs)
        try db.execute(
            sql: "INSERT INTO audit (seq, time_ms, action, actor, address, detail, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [link.seq, link.timeMs, link.action, link.actor, link.address, link.detail, link.hash])
    }

    /// The log as the chain is made of it, oldest first, after `seq`.
    public func auditLinks(after seq: Int64, limit: Int) throws -> [AuditLink] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [seq, limit]).map {
                AuditLink(
                    seq: $0["seq"], timeMs: $0["time_ms"], action: $0["action"], actor: $0["actor"], address: $0["address"],
                    detail: $0["detail"], hash: $0["hash"])
            }
        }
    }

    /// Opens the `audit-broken` alert (unless one is open) and records each break in the log itself,
    /// in one durable transaction; true when the alert opened.
    public func recordAuditBreaks(_ seqs: [Int64], nowMs: Int64) throws -> Bool {
        guard let first = seqs.first else { return false }
        return try durableWrite { db in
            for seq in seqs { try Self.audit(AuditChain.breakEntry(seq), nowMs: nowMs, db) }
            return try Self.apply(AlertBook.auditBroken(first: first, count: seqs.count, nowMs: nowMs), onlyIfNew: true, db: db)
        }
    }

    /// The audit log, oldest first, after `seq`.
    public func auditLog(after seq: Int64, limit: Int) throws -> [AuditRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [seq, limit]).map(Self.record)
        }
    }

    private static func record(_ r: Row) throws -> AuditRecord {
        AuditRecord(
            seq: r["seq"], time: RFC3339.format(ms: r["time_ms"]), action: r["action"], actor: r["actor"], address: r["address"],
            detail: try JSONDecoder().decode([String: String].self, from: Data((r["detail"] as String).utf8)))
    }

    /// The audit entries about one worker's data: their consent and MyData downloads, and what
    /// coordinators did with their alerts.
    public func auditLog(about who: WorkerID) throws -> [AuditRecord] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM audit
                    WHERE (json_extract(detail, '$.site') = ? AND json_extract(detail, '$.worker') = ?)
                       OR (action IN ('acknowledge', 'resolve')
                           AND CAST(json_extract(detail, '$.alert') AS INTEGER) IN (SELECT alert_id FROM alerts WHERE site = ? AND worker = ?))
                    ORDER BY seq
                    """, arguments: [who.site, who.worker, who.site, who.worker]
            ).map(Self.record)
        }
    }

    /// The config the collector started with last time, as its `config` entry recorded it.
    public func lastConfigAudited() throws -> String? {
        try pool.read {
            try String.fetchOne($0, sql: "SELECT json_extract(detail, '$.config') FROM audit WHERE action = 'config' ORDER BY seq DESC LIMIT 1")
        }
    }
}
