import Foundation
import GRDB
import LocalServices
import TestSupport
import Testing

/// Who may read and do what, against the real collector (docs/collector.md,
/// "Access"): every route but the page and `/healthz` needs a known token
/// with a role the route allows; health values only reach the `medical`
/// role; what matters is in an append-only audit log.
@Suite struct AccessEndToEndTests {
    /// A fatigue alarm from gw-9 whose values are physiology.
    static let fatigue = """
        {"specversion":"1.0","id":"1767254400001-mei-fatigue","source":"canary://test-site/gw-9","type":"tw.canary.alarm.fatigue",\
        "time":"2026-01-01T08:00:00.000Z","subject":"mei","data":{"kind":"fatigue","condition":"severe","phase":"alarm",\
        "severity":"warning","time_ms":1767254400001,"values":{"resting_heart_rate_bpm":95.9,"rmssd_ms":12.5}}}
        """

    func publish(_ site: Worksite, _ topic: String, _ message: String) throws {
        #expect(try runToEnd(["/usr/bin/mosquitto_pub", "-p", "\(site.broker.port)", "-q", "1", "-t", topic, "-m", message]) == 0)
    }

    @Test func everyRouteNeedsATokenWithARoleAndHealthDataOnlyReachesMedicalStaff() async throws {
        let site = try Worksite()
        try await site.startCollector()
        let agent = try site.startAgent(speed: 0)
        #expect(await agent.exitCode(within: 120) == 0, "\(agent.errors)")
        try publish(site, "canary/v1/test-site/gw-9/events", Self.fatigue)
        try await site.eventually {
            let alerts = try await site.get("/api/v1/alerts").body, workers = try await site.get("/api/v1/workers").body
            return alerts.contains("fatigue") && workers.contains("heart-rate")
        }

        // No token, or an unknown one: 401, saying what is needed.
        for path in [
            "/api/v1/workers", "/api/v1/alerts", "/api/v1/events", "/api/v1/gateways", "/api/v1/export/telemetry.csv",
            "/api/v1/audit", "/api/v1/config", "/api/v1/alerts/stream",
        ] {
            let none = try await site.get(path, token: nil)
            #expect(none.status == 401 && none.headers["www-authenticate"] == "Bearer" && none.body.contains("token"), "\(path): \(none.status)")
            let unknown = try await site.get(path, token: "day-token")
            #expect(unknown.status == 401 && unknown.headers["www-authenticate"]?.contains("invalid_token") == true, "\(path)")
        }
        #expect(try await site.get("/healthz", token: nil).status == 200)
        #expect(try await site.get("/", token: nil).status == 200, "the page holds no data")
        #expect(try await site.get("/metrics", token: nil).status == 200, "open to loopback")

        // The wrong role: 403.
        let forbidden: [(String, String)] = [
            ("/api/v1/alerts", "researcher-token"), ("/api/v1/alerts", "medical-token"), ("/api/v1/events", "admin-token"),
            ("/api/v1/alerts/stream", "researcher-token"), ("/api/v1/workers", "researcher-token"), ("/api/v1/workers", "admin-token"),
            ("/api/v1/export/telemetry.csv", "night-token"), ("/api/v1/export/events.ndjson", "medical-token"),
            ("/api/v1/audit", "night-token"), ("/api/v1/config", "medical-token"), ("/api/v1/gateways", "researcher-token"),
        ]
        for (path, token) in forbidden {
            let r = try await site.get(path, token: token)
            #expect(r.status == 403 && r.body.contains("role"), "\(path) with \(token): \(r.status)")
        }
        #expect(try await site.post("/api/v1/alerts/1/acknowledge", token: "medical-token").status == 403)

        // The scheme is case-insensitive (RFC 7235 §2.1).
        let lower = try await APIClient.get(port: site.apiPort, "/api/v1/alerts", headers: ["Authorization": "bearer night-token"])
        #expect(lower.status == 200)
        // HEAD answers where GET does, without a body.
        let head = try await APIClient.request("HEAD", port: site.apiPort, "/api/v1/alerts", headers: ["Authorization": "Bearer night-token"])
        #expect(head.status == 200 && head.body.isEmpty)
        #expect(try await APIClient.request("HEAD", port: site.apiPort, "/healthz", headers: [:]).status == 200)

        // A coordinator sees that mei is fatigued, not her heart: no heart-rate readings, no fatigue values.
        let coordinatorWorkers = try await site.get("/api/v1/workers", token: "night-token").body
        #expect(coordinatorWorkers.contains("\"chen\"") && coordinatorWorkers.contains("\"gas\""))
        for health in ["heart-rate", "resting_heart_rate_bpm", "\"sleep\"", "overwork"] {
            #expect(!coordinatorWorkers.contains(health), "\(health) in \(coordinatorWorkers)")
        }
        let coordinatorAlerts = try await site.get("/api/v1/alerts", token: "night-token").body
        #expect(coordinatorAlerts.contains("\"kind\":\"fatigue\"") && !coordinatorAlerts.contains("resting_heart_rate_bpm"))
        let coordinatorEvents = try await site.get("/api/v1/events?type=fatigue", token: "night-token").body
        #expect(coordinatorEvents.contains("mei-fatigue") && !coordinatorEvents.contains("resting_heart_rate_bpm"))
        let feed = try await site.feed(lastEventID: "0", token: "night-token")
        let onFeed = await EndToEndTests.collect(feed, count: 1, within: 30) { $0.data.contains("\"kind\":\"fatigue\"") }
        #expect(onFeed.count == 1 && !onFeed[0].data.contains("resting_heart_rate_bpm"))
        feed.close()
        // Medical staff see it all.
        #expect(try await site.get("/api/v1/workers", token: "medical-token").body.contains("heart-rate"))
        #expect(try await site.get("/api/v1/workers", token: "medical-token").body.contains("resting_heart_rate_bpm"))
        #expect(try await site.get("/api/v1/alerts", token: "all-token").body.contains("resting_heart_rate_bpm"))

        // A researcher filters by pseudonym, never by a real id.
        #expect(try await site.get("/api/v1/export/telemetry.csv?worker=chen", token: "researcher-token").status == 400)
        let all = try await site.get("/api/v1/export/telemetry.csv", token: "researcher-token")
        #expect(all.status == 200 && !all.body.contains("chen"))
        // CSV rows end in CRLF (RFC 4180).
        let pseudonym = try #require(all.body.split(whereSeparator: \.isNewline).dropFirst().first?.split(separator: ",")[4])
        let one = try await site.get("/api/v1/export/telemetry.csv?worker=\(pseudonym)", token: "researcher-token")
        #expect(one.status == 200 && one.body.split(whereSeparator: \.isNewline).dropFirst().allSatisfy { $0.split(separator: ",")[4] == pseudonym })

        // The audit log: the acknowledgement, the exports with their rows, the refused tokens by address; append-only.
        let fatigueID = try #require(try site.collectorDB { try Int64.fetchOne($0, sql: "SELECT alert_id FROM alerts WHERE kind = 'fatigue'") })
        #expect(try await site.post("/api/v1/alerts/\(fatigueID)/acknowledge", token: "night-token").status == 200)
        var audit = ""
        try await site.eventually {
            audit = try await site.get("/api/v1/audit", token: "admin-token").body
            return audit.contains("token-refused")
        }
        #expect(audit.contains(#""action":"acknowledge","actor":"Night shift","address":"127.0.0.1","detail":{"alert":"\#(fatigueID)"}"#), "\(audit)")
        #expect(audit.contains(#""action":"export","actor":"Study A""#) && audit.contains(#""action":"export-end","actor":"Study A""#))
        #expect(audit.contains(#""rows":"#))
        #expect(audit.contains(#""action":"token-refused","actor":"","address":"127.0.0.1""#) && audit.contains(#""reason":"unknown token""#))
        #expect(audit.contains(#""action":"config""#))
        #expect(throws: DatabaseError.self) { try site.collectorWrite { try $0.execute(sql: "UPDATE audit SET actor = 'nobody'") } }
        #expect(throws: DatabaseError.self) { try site.collectorWrite { try $0.execute(sql: "DELETE FROM audit") } }
        #expect(try await site.get("/api/v1/config", token: "admin-token").body.contains(#""name":"Dr Lin","roles":["medical"]"#))
        #expect(try await !site.get("/api/v1/config", token: "admin-token").body.contains("a521f8ba"), "no token hashes")
        // Each start records the config, and whether it changed since the last.
        site.collector.kill(SIGTERM)
        try await site.startCollector()
        let starts = try await site.get("/api/v1/audit", token: "admin-token").body
        #expect(starts.contains(#""changed":"true""#) && starts.contains(#""changed":"false""#), "\(starts)")
    }

    /// Every export is in the audit log before a line of it goes out: with the log refusing
    /// writes (a trigger made by another connection to the real file), nothing is exported.
    @Test func anExportTheAuditLogCannotRecordIsNotMade() async throws {
        let site = try Worksite()
        try await site.startCollector()
        #expect(try await site.get("/api/v1/export/events.csv", token: "researcher-token").status == 200)
        try site.collectorWrite {
            try $0.execute(sql: "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'disk full'); END")
        }
        let refused = try await site.get("/api/v1/export/events.csv", token: "researcher-token")
        #expect(refused.status == 503 && refused.body.contains("nothing was exported"), "\(refused.status) \(refused.body)")
    }

    /// A client resuming from beyond the last change (the database was restored or moved aside)
    /// is told to reload in full, and then gets what comes. A client that hangs up is gone from
    /// `canary_collector_sse_clients` when it hangs up, not at the next keep-alive (five minutes
    /// here: the wait for it is bounded at one, which a loaded CI host needed beyond 10 s).
    @Test func aFeedResumedFromBeyondTheLastChangeSaysReload() async throws {
        let site = try Worksite(keepAlive: "300s")
        try await site.startCollector()
        let feed = try await site.feed(lastEventID: "999999")
        let first = await LocalServices.first(feed.events, within: 30) { $0.event != "collector" }
        #expect(first?.event == "reload" && first?.id == "0" && first?.data == #"{"last_event_id":0}"#, "\(String(describing: first))")
        try publish(site, "canary/v1/test-site/gw-9/events", Self.fatigue)
        let alert = await EndToEndTests.collect(feed, count: 1, within: 30) { $0.event == "alert" }
        #expect(alert.first?.id == "1")
        #expect(try await site.metric("canary_collector_sse_clients") == 1)
        feed.close()
        try await site.eventually { try await site.metric("canary_collector_sse_clients") == 0 }
        #expect(try await site.metric("canary_collector_sse_clients") == 0)
    }
}
