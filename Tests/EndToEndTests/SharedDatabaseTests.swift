import Foundation
import LocalServices
import TestSupport
import Testing

/// Several collectors on one PostgreSQL database, behind one broker in an MQTT 5
/// shared-subscription group (docs/scaling.md): real processes, a real
/// mosquitto, a real PostgreSQL.
@Suite(.serialized) struct SharedDatabaseTests {
    /// Every alert change a collector's feed replays from the start, as (id, data), once it has `count`.
    static func replay(port: Int, count: Int) async throws -> [String] {
        let feed = try await APIClient.EventStream(
            port: port, "/api/v1/alerts/stream", lastEventID: "0", headers: ["Authorization": "Bearer \(Worksite.allRoles)"])
        defer { feed.close() }
        return await EndToEndTests.collect(feed, count: count, within: 60).map { "\($0.id ?? "") \($0.data)" }
    }

    @Test func twoCollectorsShareTheLoadAndOneKilledMidStreamLosesNothingAndStoresNothingTwice() async throws {
        let site = try Worksite(storage: .postgres, shareGroup: "canary")
        try await site.startCollector()
        let (other, otherPort) = try await site.startAnotherCollector("collector-b")
        defer { other.kill(SIGTERM) }
        let agent = try site.startAgent(speed: 2, resendAfter: "3s")
        try await site.eventually { (try? site.storedAlarmIDs().count) ?? 0 >= 2 }
        // The group splits the messages between the two.
        try await site.eventually { try await APIClient.metric(port: otherPort, "canary_collector_messages_received_total") > 0 }
        #expect(try await site.metric("canary_collector_messages_received_total") > 0)
        #expect(try await APIClient.metric(port: otherPort, "canary_collector_messages_received_total") > 0)
        site.collector.kill(SIGKILL)

        // The other carries on: what the killed one took but had not acknowledged comes again, to it.
        #expect(await agent.exitCode(within: 180) == 0, "\(agent.errors)")
        let printed = Worksite.printedIDs(agent)
        #expect(printed.count == 13)
        #expect(try site.storedAlarmIDs().sorted() == printed.sorted())
        #expect(try site.duplicateReadings() == 0)

        // The killed one back: both feeds carry every change, in the same order with the same ids.
        try await site.startCollector()
        let changes = Int(try site.column("SELECT CAST(COUNT(*) AS TEXT) FROM alert_changes")[0])!
        let mine = try await Self.replay(port: site.apiPort, count: changes)
        let theirs = try await Self.replay(port: otherPort, count: changes)
        #expect(mine.count == changes && mine == theirs)
    }

    @Test func anAlertEscalatesOnceWithTwoCollectorsWatching() async throws {
        let site = try Worksite(collectorConfig: "alerts: {escalate_after: 1s}", storage: .postgres, shareGroup: "canary")
        try await site.startCollector()
        let (other, otherPort) = try await site.startAnotherCollector("collector-b")
        defer { other.kill(SIGTERM) }
        let agent = try site.startAgent(speed: 0)
        #expect(await agent.exitCode(within: 180) == 0, "\(agent.errors)")
        // Nobody acknowledges: every alert still open escalates, once, by one of the two.
        let due = "SELECT CAST(COUNT(*) AS TEXT) FROM alerts WHERE state != 'cleared'"
        let escalated = "SELECT CAST(COUNT(*) AS TEXT) FROM alerts WHERE escalated_ms IS NOT NULL AND state != 'cleared'"
        try await site.eventually { try site.column(escalated) == site.column(due) }
        let open = Int(try site.column(due)[0])!
        #expect(open > 0)
        #expect(try site.column(escalated) == [String(open)])
        // An alert may also have escalated before it cleared (chen's gas, while the shift was still being stored).
        let made = Int(try site.column("SELECT CAST(COUNT(*) AS TEXT) FROM alerts WHERE escalated_ms IS NOT NULL")[0])!
        func counted() async throws -> Double {
            try await site.metric("canary_collector_alerts_escalated_total")
                + APIClient.metric(port: otherPort, "canary_collector_alerts_escalated_total")
        }
        try await site.eventually { try await counted() >= Double(made) }
        #expect(try await counted() == Double(made), "each escalation counted by the collector that made it, and made once")
        // Once on the feed per escalation: the first change of each escalated alert that says so (later changes of the
        // alert, a worsening gas reading, carry it too).
        let changes = try site.column(
            """
            SELECT CAST(COUNT(*) AS TEXT) FROM alert_changes c
            WHERE c.snapshot LIKE '%"escalated"%'
              AND NOT EXISTS (SELECT 1 FROM alert_changes p WHERE p.alert_id = c.alert_id AND p.seq < c.seq AND p.snapshot LIKE '%"escalated"%')
            """)
        #expect(changes == [String(made)], "one change on the feed per escalation")
    }

    @Test func postgresStoppedForThirtySecondsUnderLoadAndTheCollectorsCatchUp() async throws {
        // A cluster of its own: stopping the tests' shared one would stop the other tests' databases.
        let postgres = try PostgresServer()
        let site = try Worksite(storage: .postgres, shareGroup: "canary", postgres: postgres)
        try await site.startCollector()
        let (other, otherPort) = try await site.startAnotherCollector("collector-b")
        defer { other.kill(SIGTERM) }
        let feed = try await site.feed()
        defer { feed.close() }
        let agent = try site.startAgent(speed: 1, resendAfter: "5s")
        try await site.eventually { (try? site.storedAlarmIDs().count) ?? 0 >= 1 }

        postgres.stop()
        let outageEnds = ContinuousClock.now + .seconds(30)
        #expect(await EndToEndTests.collectorSays(feed, storing: "failing"), "the feed says it cannot store")
        try await site.eventually {
            try await APIClient.get(port: otherPort, "/healthz").body.contains(#""storing":false"#)
        }
        #expect(try await APIClient.get(port: otherPort, "/healthz").status == 503, "the other collector says so too")
        try await Task.sleep(until: outageEnds)  // the outage itself, not a synchronisation
        try postgres.start()

        #expect(await EndToEndTests.collectorSays(feed))
        #expect(await agent.exitCode(within: 180) == 0, "the agent's resends are stored once it can: \(agent.errors)")
        let printed = Worksite.printedIDs(agent)
        #expect(printed.count == 13)
        #expect(try site.storedAlarmIDs().sorted() == printed.sorted())
        #expect(try site.duplicateReadings() == 0)
        #expect(try await APIClient.get(port: otherPort, "/healthz").status == 200)
    }
}
