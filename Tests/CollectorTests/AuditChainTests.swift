import Foundation
import GRDB
import LocalServices
import Logging
import PostgresNIO
import Testing
import Wire

@testable import CollectorCore

/// The audit log's hash chain on both stores (docs/collector.md, "Audit"): an
/// entry rewritten, removed or inserted past the triggers breaks it; a break
/// is alerted once and recorded in the log; the newest entries removed are
/// caught by a head noted before.
@Suite struct AuditChainTests: StoreFixtures {
    let topics = try! Topics(site: "s1", gateway: "gw-1")
    let logger = Logger(label: "audit-chain-test")

    func entries(_ n: Int) -> [AuditEntry] {
        (1...n).map { AuditEntry(action: "acknowledge", actor: "Night shift", address: "127.0.0.1", detail: ["alert": "\($0)"]) }
    }

    /// Runs `sql` on the store's database as an insider with write access would: past the triggers.
    func tamper(_ s: any CollectorStore, sqlite: String, postgres: String) async throws {
        if let s = s as? SQLiteStore {
            try await s.pool.writeWithoutTransaction { try $0.execute(sql: sqlite) }
        } else if let s = s as? PostgresStore {
            try await s.transaction { c in
                try await c.query("ALTER TABLE audit DISABLE TRIGGER USER", logger: logger)
                try await c.query(PostgresQuery(unsafeSQL: postgres), logger: logger)
                try await c.query("ALTER TABLE audit ENABLE TRIGGER USER", logger: logger)
            }
        }
    }

    @Test(arguments: StoreKind.allCases) func aRewrittenEntryBreaksTheChainAndIsAlertedOnce(_ kind: StoreKind) async throws {
        try await withStore(kind) { s in
            try await s.audit(entries(3), nowMs: 1_000)
            let whole = try await AuditChain.verify(s)
            #expect(whole.intact && whole.entries == 3 && whole.broken == 0 && whole.head?.seq == 3)
            #expect(whole.head?.hash.count == 64)

            // Who acknowledged alert 2, rewritten as the probe did it, keeping the entry's hash.
            try await tamper(
                s,
                sqlite: """
                    INSERT OR REPLACE INTO audit (seq, time_ms, action, actor, address, detail, hash)
                    SELECT seq, time_ms, action, 'Somebody Else', '10.9.9.9', detail, hash FROM audit WHERE seq = 2
                    """,
                postgres: "UPDATE audit SET actor = 'Somebody Else', address = '10.9.9.9' WHERE seq = 2")
            let broken = try await AuditChain.verifyAndReport(s, nowMs: 2_000, logger: logger)
            #expect(!broken.intact && broken.broken == 1 && broken.breaks == [2], "\(broken)")
            let alerts = try await s.alerts(state: .open, site: nil, limit: 10)
            #expect(alerts.count == 1 && alerts[0].contains(#""kind":"audit-broken""#) && alerts[0].contains(#""seq":2"#), "\(alerts)")
            #expect(alerts[0].contains(#""severity":"critical""#))
            let recorded = try await s.auditLog(after: 3, limit: 10)
            #expect(recorded.map(\.action) == ["audit-broken"] && recorded[0].detail == ["seq": "2"])

            // Verified again: the same break, known, so no second alert; what was written since chains on.
            let changes = try await s.lastAlertChange()
            let again = try await AuditChain.verifyAndReport(s, nowMs: 3_000, logger: logger)
            #expect(again.breaks == [2] && again.entries == 4)
            #expect(try await s.lastAlertChange() == changes)
            #expect(try await s.auditLog(after: 4, limit: 10).isEmpty)
        }
    }

    @Test(arguments: StoreKind.allCases) func anEntryRemovedOrTheNewestCutOffIsSeen(_ kind: StoreKind) async throws {
        try await withStore(kind) { s in
            try await s.audit(entries(4), nowMs: 1_000)
            let noted = try #require(try await AuditChain.verify(s).head)
            #expect(try await AuditChain.verify(s, anchor: noted).anchorHolds == true)

            // The newest entry removed: the chain left is whole, but the head an auditor noted is gone.
            try await tamper(s, sqlite: "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq = 4", postgres: "DELETE FROM audit WHERE seq = 4")
            let cut = try await AuditChain.verify(s, anchor: noted)
            #expect(cut.broken == 0 && cut.anchorHolds == false && !cut.intact, "\(cut)")

            // One from the middle: the next one no longer follows.
            try await tamper(s, sqlite: "DELETE FROM audit WHERE seq = 2", postgres: "DELETE FROM audit WHERE seq = 2")
            #expect(try await AuditChain.verify(s).breaks == [3])
        }
    }

    /// A log from before the chain is chained as it stands when the schema is migrated.
    @Test func aLogFromBeforeTheChainIsChainedByTheMigration() async throws {
        let path = try databasePath()
        let queue = try DatabaseQueue(path: path)
        try StoreSchema.migrator().migrate(queue, upTo: "v8")
        try await queue.write { db in
            for i in 1...3 {
                try db.execute(
                    sql: "INSERT INTO audit (time_ms, action, actor, address, detail) VALUES (?, 'export', 'Study A', NULL, '{}')", arguments: [i])
            }
        }
        try queue.close()
        let s = try SQLiteStore(path: path)
        let v = try await AuditChain.verify(s)
        #expect(v.intact && v.entries == 3)
        try s.audit(entries(1), nowMs: 5_000)
        #expect(try await AuditChain.verify(s).intact)
    }

    @Test func aLogFromBeforeTheChainIsChainedByThePostgreSQLMigration() async throws {
        let server = try PostgresServer.shared.get()
        let url = try server.freshDatabase()
        let database = try #require(url.split(separator: "/").last?.split(separator: "?").first.map(String.init))
        let before = PostgresSchema.migrations.filter { $0.version < 4 }
        let sql =
            before.map(\.sql).joined(separator: "\n")
            + "\nCREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_ms BIGINT NOT NULL);\n"
            + before.map { "INSERT INTO schema_migrations VALUES (\($0.version), 0);" }.joined(separator: "\n")
            + "\nINSERT INTO audit (time_ms, action, actor, address, detail) VALUES (1, 'export', 'Study A', NULL, '{}'), (2, 'config', 'canary-collector', NULL, '{\"a\":\"林\"}');"
        let (status, _, errors) = try server.psql(sql, database: database)
        #expect(status == 0, "\(errors)")
        try await withStores(1, url: url) { stores in
            let v = try await AuditChain.verify(stores[0])
            #expect(v.intact && v.entries == 2, "\(v)")
        }
    }
}
