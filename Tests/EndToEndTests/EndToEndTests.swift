import EdgeCore
import Foundation
import LocalServices
import TestSupport
import Testing
import Wire

@testable import CollectorCore

/// The whole path with real parts: simulated device bytes → canary-agent
/// (process) → mosquitto → canary-collector (process) → SQLite or PostgreSQL → HTTP/SSE.
/// Waits are bounded polls for a condition, never fixed sleeps, except where
/// the duration is the test's input (the 30-second broker outage).
@Suite(.serialized) struct EndToEndTests {
    /// "worker kind condition state" of an SSE alert event.
    static func describe(_ e: APIClient.Event) -> String {
        let o = (try? JSONSerialization.jsonObject(with: Data(e.data.utf8)) as? [String: Any]) ?? [:]
        return "\(o["worker"] ?? "") \(o["kind"] ?? "") \(o["condition"] ?? "") \(o["state"] ?? "")"
    }

    /// Whether the feed's next `collector` events include `broker` and `storing` as given (bounded wait).
    static func collectorSays(_ feed: APIClient.EventStream, broker: String = "connected", storing: String = "ok") async -> Bool {
        await first(feed.events, within: 60) {
            $0.event == "collector" && $0.data == #"{"broker":"\#(broker)","storing":"\#(storing)"}"#
        } != nil
    }

    static func collect(
        _ stream: APIClient.EventStream, count: Int, within seconds: Double,
        where include: @escaping @Sendable (APIClient.Event) -> Bool = { _ in true }
    ) async -> [APIClient.Event] {
        await withTaskGroup(of: [APIClient.Event].self) { group in
            let events = stream.events
            group.addTask {
                var got: [APIClient.Event] = []
                for await e in events where e.event == "alert" && include(e) {
                    got.append(e)
                    if got.count == count { break }
                }
                return got
            }
            group.addTask {
                // Out of time: hang up, which ends the reading task. Cancelled (the events came): the stream stays open.
                if (try? await Task.sleep(for: .seconds(seconds))) != nil { stream.close() }
                return []
            }
            let first = await group.next() ?? []
            group.cancelAll()
            return first
        }
    }

    @Test(arguments: Worksite.Storage.allCases) func aShiftFromDeviceBytesToTheAlertFeed(_ storage: Worksite.Storage) async throws {
        let site = try Worksite(storage: storage)
        try await site.startCollector()
        let expected = try await Worksite.expectedAlarms()
        // Nine alarms and clears, and chen's H2S told four times more as it rose.
        #expect(expected.count == 13)

        let feed = try await site.feed()
        let agent = try site.startAgent(speed: 0)
        let events = await Self.collect(feed, count: expected.count, within: 120)
        feed.close()
        #expect(events.map(Self.describe) == expected.map { $0.replacingOccurrences(of: " alarm", with: " alarm") })
        let ids = events.compactMap { $0.id.flatMap(Int.init) }
        #expect(ids.count == expected.count && ids == ids.sorted() && Set(ids).count == ids.count, "ids increase: \(ids)")

        // A client that reconnects with Last-Event-ID gets exactly what came after.
        let resumed = try await site.feed(lastEventID: String(ids[4]))
        let rest = await Self.collect(resumed, count: expected.count - 5, within: 60)
        resumed.close()
        #expect(rest.map(\.id) == events.dropFirst(5).map(\.id))
        #expect(rest.map(\.data) == events.dropFirst(5).map(\.data))

        #expect(await agent.exitCode(within: 120) == 0, "the agent drains its outbox and exits: \(agent.errors)")
        #expect(try site.storedAlarmIDs().sorted() == Worksite.printedIDs(agent).sorted())

        // The REST views agree with the feed. The agent said it stopped: its gateway's alert follows.
        try await site.shiftStored()
        let open = try await site.get("/api/v1/alerts?state=open")
        #expect(open.status == 200)
        // lin's fall and immobility stay open (latched until acknowledged), wang's SOS too; chen's gas leak cleared.
        let alerts = try #require(try JSONSerialization.jsonObject(with: Data(open.body.utf8)) as? [String: [[String: Any]]])["alerts"] ?? []
        #expect(
            Set(alerts.map { "\($0["worker"]!) \($0["kind"]!) \($0["severity"]!)" })
                == ["lin fall critical", "lin immobility critical", "wang sos critical", " gateway-offline warning"])
        let workers = try await site.get("/api/v1/workers?site=test-site").body
        for name in ["chen", "lin", "wang"] { #expect(workers.contains("\"worker\":\"\(name)\"")) }
        #expect(workers.contains("\"state\":\"alarm\""))
        #expect(workers.contains("\"position\""), "last readings include the locator's position")

        // Exports stream what is stored.
        let readings = try await site.metric("canary_collector_stored_total{kind=\"reading\"}")
        #expect(readings > 100)
        let ndjson = try await site.get("/api/v1/export/telemetry.ndjson?site=test-site")
        #expect(ndjson.headers["transfer-encoding"] == "chunked")
        // Health readings only of workers who consent to research use: nobody here has.
        #expect(ndjson.body.split(separator: "\n").count == (try site.storedNonHealthReadings()) && !ndjson.body.contains("heart-rate"))
        // A researcher filters by the pseudonym the exports show, made with the collector's own key.
        let lin = Pseudonyms(key: try site.pseudonymKey()).worker("lin")
        let csv = try await site.get("/api/v1/export/events.csv?worker=\(lin)")
        #expect(csv.body.split(whereSeparator: \.isNewline).count == 1 + expected.filter { $0.hasPrefix("lin ") }.count, "\(csv.body)")
        #expect(!csv.body.contains(",lin,") && csv.body.contains(",\(lin),"), "researchers' exports name workers by pseudonym")
        let page = try await site.get("/api/v1/events?limit=4")
        #expect(page.body.contains("\"next_cursor\":\""))
        #expect(try await site.get("/api/v1/events?from=yesterday").status == 400)
        #expect(try await site.get("/api/v1/nothing-here").status == 404)
        // Hummingbird's metrics, by route and status.
        #expect(try await site.metricSum("hb_request_errors", labels: [#"http_route="/api/v1/events""#, #"error_type="400""#]) == 1)
        #expect(try await site.metricSum("hb_request_errors", labels: [#"error_type="404""#]) == 1)
        #expect(try await site.get("/healthz").status == 200)
        #expect(try site.duplicateReadings() == 0)
    }

    @Test(arguments: Worksite.Storage.allCases) func malformedMessagesFromARealClientAreRefusedAndCountedWhileGoodOnesFlow(
        _ storage: Worksite.Storage
    ) async throws {
        let site = try Worksite(storage: storage)
        try await site.startCollector()
        let topic = "canary/v1/test-site/gw-9/events"
        func good(_ n: Int) -> String {
            """
            {"specversion":"1.0","id":"1767254400\(n)-ana-sos-alarm","source":"canary://test-site/gw-9","type":"tw.canary.alarm.sos",\
            "time":"2026-01-01T08:00:00.000Z","subject":"ana","data":{"kind":"sos","condition":"","phase":"alarm",\
            "severity":"critical","time_ms":1767254400\(n),"values":{}}}
            """
        }
        let big = site.directory.appendingPathComponent("big.json").path
        try String(repeating: "x", count: 300_000).write(toFile: big, atomically: true, encoding: .utf8)
        let bad: [(kind: String, args: [String])] = [
            ("not-json", ["-m", "{oops"]),
            ("unknown-type", ["-m", good(100).replacingOccurrences(of: "tw.canary.alarm.sos", with: "tw.canary.weather")]),
            ("schema", ["-m", good(101).replacingOccurrences(of: "\"phase\":\"alarm\"", with: "\"phase\":\"exploded\"")]),
            ("missing-attribute", ["-m", good(102).replacingOccurrences(of: "\"specversion\":\"1.0\",", with: "")]),
            ("bad-attribute", ["-m", good(103).replacingOccurrences(of: "canary://test-site/gw-9", with: "canary://elsewhere/gw-9")]),
            ("too-large", ["-f", big]),
            // A line break in what comes from outside cannot forge a line of the collector's log.
            (
                "unknown-type",
                [
                    "-m",
                    good(104).replacingOccurrences(
                        of: "tw.canary.alarm.sos",
                        with: #"tw.canary.weather\n2026-01-01T00:00:00+0000 critical canary-collector: forged"#),
                ]
            ),
        ]
        var goodIDs: [String] = []
        for (k, b) in bad.enumerated() {
            #expect(try runToEnd(["/usr/bin/mosquitto_pub", "-p", "\(site.broker.port)", "-q", "1", "-t", topic] + b.args) == 0)
            #expect(try runToEnd(["/usr/bin/mosquitto_pub", "-p", "\(site.broker.port)", "-q", "1", "-t", topic, "-m", good(k)]) == 0)
            goodIDs.append("1767254400\(k)-ana-sos-alarm")
        }
        try await site.eventually { try site.storedAlarmIDs().count >= goodIDs.count }
        #expect(try site.storedAlarmIDs() == goodIDs)
        let metrics = try await site.get("/metrics").body
        for b in bad {
            #expect(
                metrics.contains("canary_collector_messages_rejected_total{kind=\"\(b.kind)\"} \(bad.filter { $0.kind == b.kind }.count)"),
                "\(b.kind)")
        }
        // Acks go out just after the commit.
        try await site.eventually { try await site.metric("canary_collector_acknowledged_ids_total") >= Double(goodIDs.count) }
        #expect(try await site.metric("canary_collector_acknowledged_ids_total") == Double(goodIDs.count))
        #expect(site.collector.isRunning)
        #expect(site.collector.errors.contains("topic=canary/v1/test-site/gw-9/events"), "refusals are logged with their topic")
        #expect(!site.collector.errors.split(separator: "\n").contains { $0.hasPrefix("2026-01-01T00:00:00+0000 critical") }, "no forged line")
        #expect(site.collector.errors.contains(#"weather\n2026-01-01T00:00:00+0000 critical"#), "the refusal, escaped, on its own line")
        // An alarm nobody can read is an alarm nobody sees: its gateway's alert says one came, once.
        let open = try await site.get("/api/v1/alerts?state=open").body
        #expect(open.contains(#""condition":"gw-9","event_id":"","gateway":"gw-9""#) && open.contains(#""kind":"unreadable-alarm""#), "\(open)")
        let changes = try site.column(
            "SELECT CAST(COUNT(*) AS TEXT) FROM alert_changes JOIN alerts USING (alert_id) WHERE kind = 'unreadable-alarm'")
        #expect(changes == ["1"], "six refusals, one alert change")
    }

    @Test(arguments: Worksite.Storage.allCases) func aThirtySecondBrokerOutageLosesNothingAndStoresNothingTwice(
        _ storage: Worksite.Storage
    ) async throws {
        let site = try Worksite(storage: storage)
        try await site.startCollector()
        let feed = try await site.feed()
        defer { feed.close() }
        let agent = try site.startAgent(speed: 1, resendAfter: "5s")
        #expect(await agent.line(containing: "\"phase\"", within: 60) != nil, "the first alarm is raised")
        try await site.eventually { try await site.get("/api/v1/workers").body.contains(#""worker":"#) }
        site.broker.stop()
        let outageEnds = ContinuousClock.now + .seconds(30)
        // The feed says the collector is cut off, and later that it hears again.
        #expect(await Self.collectorSays(feed, broker: "disconnected"))
        // Cut off from the broker, the collector hears no gateway: no worker is "ok".
        try await site.eventually(within: 30) { try await site.get("/healthz").body.contains(#""mqtt":false"#) }
        let workers = try await site.get("/api/v1/workers").body
        #expect(workers.contains(#""state":"unknown""#) && !workers.contains(#""state":"ok""#), "\(workers)")
        try await Task.sleep(until: outageEnds)  // the outage itself, not a synchronisation
        try site.broker.start()
        #expect(await Self.collectorSays(feed))
        #expect(await agent.exitCode(within: 180) == 0, "the agent drains its outbox and exits: \(agent.errors)")
        let printed = Worksite.printedIDs(agent)
        #expect(printed.count == 13)
        #expect(try site.storedAlarmIDs().sorted() == printed.sorted())
        #expect(try site.duplicateReadings() == 0)
        #expect(agent.errors.contains("dropped_telemetry=0 outbox_alarms=0 outbox_telemetry=0"))
    }

    /// A database that refuses writes (a full disk, say; here a trigger that
    /// aborts every insert, made by another connection to the real file): the
    /// feed and /healthz say the collector cannot store, nothing is
    /// acknowledged, and once it can again the gateways' resends fill the gap.
    @Test func aCollectorThatCannotStoreSaysSoAndCatchesUpAfterwards() async throws {
        let site = try Worksite()
        try await site.startCollector()
        let feed = try await site.feed()
        defer { feed.close() }
        #expect(await Self.collectorSays(feed))
        try site.collectorWrite { db in
            // Every table a message inserts into first, so that no commit succeeds meanwhile.
            for table in ["events", "telemetry", "gateways"] {
                try db.execute(sql: "CREATE TRIGGER refuse_\(table) BEFORE INSERT ON \(table) BEGIN SELECT RAISE(ABORT, 'refused by the test'); END")
            }
        }
        let agent = try site.startAgent(speed: 0, resendAfter: "2s")
        #expect(await Self.collectorSays(feed, storing: "failing"))
        let health = try await site.get("/healthz")
        #expect(health.status == 503)
        #expect(health.body.contains(#""storing":false"#), "\(health.body)")
        #expect(try await site.metric("canary_collector_store_errors_total") >= 1)
        #expect(try await site.metric("canary_collector_acknowledged_ids_total") == 0)
        #expect(try site.storedAlarmIDs().isEmpty)

        try site.collectorWrite { db in
            for table in ["events", "telemetry", "gateways"] { try db.execute(sql: "DROP TRIGGER refuse_\(table)") }
        }
        #expect(await Self.collectorSays(feed))
        #expect(await agent.exitCode(within: 180) == 0, "the agent drains its outbox and exits: \(agent.errors)")
        #expect(try site.storedAlarmIDs().sorted() == Worksite.printedIDs(agent).sorted())
        #expect(try site.duplicateReadings() == 0)
        #expect(try await site.get("/healthz").status == 200)
    }

    /// A gateway's status is in no outbox: one the database refused is asked
    /// for again (the broker retains it) until it is stored, so a gateway lost
    /// while the collector could not store still becomes an alert.
    @Test func aGatewayLostWhileTheCollectorCannotStoreIsAnAlertOnceItCan() async throws {
        let site = try Worksite()
        try await site.startCollector()
        let feed = try await site.feed()
        defer { feed.close() }
        try site.collectorWrite { db in
            try db.execute(sql: "CREATE TRIGGER refuse BEFORE INSERT ON gateways BEGIN SELECT RAISE(ABORT, 'refused by the test'); END")
        }
        // Its last will, as the broker publishes it for a gateway that dropped: retained.
        let topics = try Topics(site: "test-site", gateway: "gw-7")
        let will = CloudEvent(
            id: "1767254400000-status-offline", source: topics.source, type: EventTypes.status, timeMs: 1_767_254_400_000,
            data: GatewayStatus(state: .offline, version: "1", reason: GatewayStatus.connectionLost))
        #expect(
            try runToEnd([
                "/usr/bin/mosquitto_pub", "-p", "\(site.broker.port)", "-q", "1", "-r", "-t", topics.status,
                "-m", String(decoding: will.json(), as: UTF8.self),
            ]) == 0)
        #expect(await Self.collectorSays(feed, storing: "failing"))

        try site.collectorWrite { db in try db.execute(sql: "DROP TRIGGER refuse") }
        let lost = await Self.collect(feed, count: 1, within: 60) { $0.data.contains("gateway-offline") }
        #expect(lost.map(Self.describe) == [" gateway-offline gw-7 alarm"])
        #expect(try await site.get("/healthz").status == 200)
    }

    @Test func aGatewayThatDiesIsAnAlarmOnTheFeedUntilItIsBack() async throws {
        let site = try Worksite()
        try await site.startCollector()
        let feed = try await site.feed()
        let first = try site.startAgent(speed: 1, label: "agent-1")
        try await site.eventually { try await site.gatewayState("gw-1") == "online" }
        // Its connection breaks with it: the broker publishes its last will.
        first.kill(SIGKILL)
        let lost = await Self.collect(feed, count: 1, within: 60) { $0.data.contains("gateway-offline") }
        #expect(lost.map(Self.describe) == [" gateway-offline gw-1 alarm"])
        #expect(lost.first?.data.contains(#""severity":"alarm""#) == true)
        #expect(try await site.gatewayState("gw-1") == "offline")
        #expect(try await site.metric("canary_collector_gateways_offline") == 1)

        // Back: the alert clears. Then it stops cleanly and says so: a new alert, a warning.
        let second = try site.startAgent(speed: 0, label: "agent-2")
        #expect(await second.exitCode(within: 180) == 0, "\(second.errors)")
        let after = await Self.collect(feed, count: 2, within: 60) { $0.data.contains("gateway-offline") }
        feed.close()
        #expect(after.map(Self.describe) == [" gateway-offline gw-1 cleared", " gateway-offline gw-1 alarm"])
        #expect(after.last?.data.contains(#""severity":"warning""#) == true)
        #expect(try await site.metric("canary_collector_gateways_offline") == 1)
    }

    @Test(arguments: Worksite.Storage.allCases) func anAgentKilledMidStreamLosesNothingItHadTakenIn(_ storage: Worksite.Storage) async throws {
        let site = try Worksite(storage: storage)
        try await site.startCollector()
        let first = try site.startAgent(speed: 2, label: "agent-1")
        #expect(await first.line(containing: "\"phase\"", within: 60) != nil)
        // Hold the collector so acks stop and the outbox fills, then kill the agent.
        site.collector.kill(SIGSTOP)
        let outbox = try Outbox(path: site.outboxPath)
        try await site.eventually {
            let stats = try outbox.stats()
            return stats.telemetry >= 3 && stats.alarms >= 1
        }
        first.kill(SIGKILL)
        let pending = try outbox.pending(limit: 100_000)
        #expect(pending.contains { $0.isAlarm } && pending.contains { !$0.isAlarm })
        site.collector.kill(SIGCONT)

        let second = try site.startAgent(speed: 0, label: "agent-2")
        #expect(await second.exitCode(within: 180) == 0, "\(second.errors)")
        let stored = Set(try site.storedAlarmIDs())
        let batches = Set(try site.column("SELECT id FROM telemetry"))
        for e in pending {
            #expect(e.isAlarm ? stored.contains(e.id) : batches.contains(e.id), "\(e.id) was in the outbox at the kill")
        }
        for id in Worksite.printedIDs(first) + Worksite.printedIDs(second) { #expect(stored.contains(id)) }
        #expect(try site.duplicateReadings() == 0)
        #expect(try outbox.stats().alarms + outbox.stats().telemetry == 0)
    }

    @Test(arguments: Worksite.Storage.allCases) func aCollectorKilledMidStreamLosesNothingAndStoresNothingTwice(
        _ storage: Worksite.Storage
    ) async throws {
        let site = try Worksite(storage: storage)
        try await site.startCollector()
        let agent = try site.startAgent(speed: 2, resendAfter: "3s")
        try await site.eventually { (try? site.storedAlarmIDs().count) ?? 0 >= 2 }
        site.collector.kill(SIGKILL)
        try await site.startCollector()
        #expect(await agent.exitCode(within: 180) == 0, "\(agent.errors)")
        let printed = Worksite.printedIDs(agent)
        #expect(printed.count == 13)
        #expect(try site.storedAlarmIDs().sorted() == printed.sorted())
        #expect(try site.duplicateReadings() == 0)
    }
}
