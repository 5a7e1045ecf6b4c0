import Foundation
import TestSupport
import Testing

/// Webhooks told by the real collector of a real shift's alert changes: every
/// body signed, a refusal retried, a notification pending when the collector
/// is SIGKILLed delivered after its restart, and none taken twice but by the
/// retry rule (an attempt the collector logged as failed).
@Suite struct WebhookTests {
    static let secret = "a-webhook-secret-of-32-characters"

    /// The collector's `webhooks:` for a receiver on `port`, every alert change of every severity.
    static func config(port: Int, in directory: URL) throws -> String {
        let secretFile = directory.appendingPathComponent("hook.secret")
        try (secret + "\n").write(to: secretFile, atomically: true, encoding: .utf8)
        chmod(secretFile.path, 0o600)
        return """
            webhooks:
              - name: siren
                url: http://127.0.0.1:\(port)/hook
                secret_file: \(secretFile.path)
                min_severity: info
                timeout: 20s
                first_retry: 200ms
            """
    }

    func alerts(_ site: Worksite) async throws -> [[String: Any]] {
        let body = try await site.get("/api/v1/alerts?limit=500").body
        return (try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: [[String: Any]]])?["alerts"] ?? []
    }

    /// Whether every change the receiver took more than once was sent again by the retry rule: the
    /// collector logged an attempt at it as failed (its answer came after the timeout, on a loaded host),
    /// or it is `inFlight`, the change a killed collector was sending (the receiver may take its last
    /// attempt after the kill; the next collector cannot know).
    func duplicatesAreRetries(_ receiver: WebhookReceiver, log: String, inFlight: Int? = nil) -> Bool {
        let changes = receiver.accepted.map(\.change)
        let twice = Set(changes.filter { c in changes.count { $0 == c } > 1 })
        let failed = log.split(separator: "\n").filter { $0.contains("webhook not told") }
        return twice.allSatisfy { c in c == inFlight || failed.contains { $0.contains("change=\(c) ") } }
    }

    /// The alert ids the receiver took an `opened` notification of.
    func opened(_ receiver: WebhookReceiver) -> Set<Int> {
        Set(
            receiver.accepted.filter { $0.event == "opened" }.compactMap {
                ((try? JSONSerialization.jsonObject(with: Data($0.body.utf8))) as? [String: Any])?["alert"].flatMap {
                    ($0 as? [String: Any])?["id"] as? Int
                }
            })
    }

    @Test func aRefusedNotificationIsRetriedEveryBodyIsSignedAndAResolutionIsTold() async throws {
        let receiver = WebhookReceiver(secret: Self.secret, down: true)
        try await receiver.serving { port in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("canary-hook-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let site = try Worksite(collectorConfig: try Self.config(port: port, in: directory))
            try await site.startCollector()
            let agent = try site.startAgent(speed: 0)
            // The receiver answers 500 to the first attempt; the same change comes again and is taken.
            try await site.eventually { !receiver.received.isEmpty }
            receiver.setDown(false)
            #expect(await agent.exitCode(within: 120) == 0, "\(agent.errors)")
            try await site.shiftStored()
            let all = try await alerts(site)
            #expect(all.count >= 6)
            try await site.eventually { opened(receiver) == Set(all.compactMap { $0["id"] as? Int }) }
            #expect(opened(receiver) == Set(all.compactMap { $0["id"] as? Int }), "every alert's opening told")
            let received = receiver.received
            #expect(received.first?.status == 500 && received.dropFirst().first?.change == received.first?.change, "the refused change first, again")
            let refused = try #require(received.first?.change)
            #expect(
                site.collector.errors.split(separator: "\n").contains { $0.contains("webhook not told") && $0.contains("change=\(refused) ") },
                "the collector logs the failed attempt with its change")
            #expect(received.allSatisfy { $0.signed }, "every body signed with the hook's secret")
            let changes = receiver.accepted.map(\.change)
            #expect(duplicatesAreRetries(receiver, log: site.collector.errors), "a change taken twice only by the retry rule: \(changes)")
            #expect(changes == changes.sorted(), "in the order they happened")

            // What a gateway for text messages needs is in the body: the alarm in words, in both languages.
            let fall = try #require(receiver.accepted.first { $0.body.contains("\"kind\":\"fall\"") }?.body)
            #expect(fall.contains("\"zh-TW\":{\"what\":\"跌倒"))

            // A coordinator resolves lin's fall: the hook is told.
            let fallID = try #require(all.first { $0["worker"] as? String == "lin" && $0["kind"] as? String == "fall" }?["id"] as? Int)
            #expect(try await site.post("/api/v1/alerts/\(fallID)/resolve", token: "night-token", json: #"{"reason":"false-alarm"}"#).status == 200)
            try await site.eventually { receiver.accepted.contains { $0.event == "resolved" && $0.body.contains("\"id\":\(fallID),") } }
            #expect(receiver.accepted.contains { $0.event == "resolved" && $0.body.contains("\"id\":\(fallID),") })
            #expect(try await site.metricSum("canary_collector_webhook_attempts_total", labels: ["hook=\"siren\"", "result=\"failed\""]) >= 1)
            #expect(
                try await site.metricSum("canary_collector_webhook_attempts_total", labels: ["hook=\"siren\"", "result=\"delivered\""])
                    == Double(receiver.accepted.count))
        }
    }

    @Test(arguments: Worksite.Storage.allCases)
    func aNotificationPendingWhenTheCollectorIsKilledIsDeliveredAfterItsRestart(storage: Worksite.Storage) async throws {
        let receiver = WebhookReceiver(secret: Self.secret, down: true)
        try await receiver.serving { port in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("canary-hook-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let site = try Worksite(collectorConfig: try Self.config(port: port, in: directory), storage: storage)
            try await site.startCollector()
            let agent = try site.startAgent(speed: 0)
            #expect(await agent.exitCode(within: 120) == 0, "\(agent.errors)")
            try await site.shiftStored()
            try await site.eventually { !receiver.received.isEmpty }
            // Killed while its receiver is down: every notification is still to be made. The one it was
            // retrying (a hook's changes go one at a time) may still reach the receiver after the kill.
            let retrying = try #require(receiver.received.first?.change)
            try site.keepAPIPort()
            site.collector.kill(SIGKILL)
            #expect(receiver.accepted.isEmpty)
            receiver.setDown(false)
            try await site.startCollector()
            let all = Set(try await alerts(site).compactMap { $0["id"] as? Int })
            #expect(all.count >= 6)
            try await site.eventually { opened(receiver) == all }
            #expect(opened(receiver) == all, "every alert's opening told after the restart")
            #expect(
                duplicatesAreRetries(receiver, log: site.collector.errors, inFlight: retrying),
                "a change taken twice only by the retry rule: \(receiver.accepted.map(\.change))")
            #expect(receiver.received.allSatisfy { $0.signed })
        }
    }

    /// Two collectors on one database: the one that holds the hook dies with notifications waiting,
    /// and the other takes the hook over once its lease has run out.
    @Test func aHookWhoseCollectorDiesIsTakenOverByAnotherCollectorOnTheDatabase() async throws {
        let receiver = WebhookReceiver(secret: Self.secret, down: true)
        try await receiver.serving { port in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("canary-hook-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let site = try Worksite(
                collectorConfig: try Self.config(port: port, in: directory), keepAlive: "1s", storage: .postgres, shareGroup: "canary")
            try await site.startCollector()
            let (other, _) = try await site.startAnotherCollector("collector-b")
            defer { other.kill(SIGTERM) }
            let agent = try site.startAgent(speed: 0)
            #expect(await agent.exitCode(within: 180) == 0, "\(agent.errors)")
            try await site.eventually { try site.column("SELECT CAST(COUNT(*) AS TEXT) FROM alerts WHERE kind = 'gateway-offline'") == ["1"] }
            try await site.eventually { !receiver.received.isEmpty }
            let holder = try #require(try site.column("SELECT owner FROM webhook_cursors").first)
            let retrying = try #require(receiver.received.first?.change)
            let (dying, survivor) = holder.hasPrefix("collector-b") ? (other, site.collector!) : (site.collector!, other)
            dying.kill(SIGKILL)
            receiver.setDown(false)
            let all = Set(try site.column("SELECT CAST(alert_id AS TEXT) FROM alerts").compactMap { Int($0) })
            #expect(all.count >= 6)
            try await site.eventually(within: 90) { opened(receiver) == all }
            #expect(opened(receiver) == all, "every alert's opening told by the collector that took the hook over")
            #expect(try site.column("SELECT owner FROM webhook_cursors").first != holder)
            #expect(
                duplicatesAreRetries(receiver, log: survivor.errors, inFlight: retrying),
                "a change taken twice only by the retry rule: \(receiver.accepted.map(\.change))")
        }
    }
}
