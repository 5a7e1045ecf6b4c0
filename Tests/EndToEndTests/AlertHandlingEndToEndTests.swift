import Foundation
import TestSupport
import Testing

/// Coordinators acknowledge and resolve alerts through the real collector's
/// API with their tokens, and an alarm nobody acknowledges escalates on the feed.
@Suite struct AlertHandlingEndToEndTests {
    /// The coordinator "Night shift" has `night-token` (``Worksite/tokens``).
    static let config = "alerts: {escalate_after: 2s}"

    func alert(_ body: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] ?? [:]
    }

    @Test func coordinatorsAcknowledgeAndResolveAndWhatNobodyAcknowledgesEscalates() async throws {
        let site = try Worksite(collectorConfig: Self.config)
        try await site.startCollector()
        let feed = try await site.feed()
        let agent = try site.startAgent(speed: 0)
        #expect(await agent.exitCode(within: 120) == 0, "\(agent.errors)")

        // Nobody acknowledges lin's fall: 2 s later it escalates, on the feed and in the metrics.
        let escalated = await EndToEndTests.collect(feed, count: 1, within: 60) {
            $0.data.contains(#""escalated""#) && $0.data.contains(#""kind":"fall""#)
        }
        let fall = try alert(try #require(escalated.first).data)
        #expect(fall["worker"] as? String == "lin" && fall["handling"] as? String == "unacknowledged")
        #expect(try await site.metric("canary_collector_alerts_escalated_total", reaching: 1) >= 1)
        let id = try #require(fall["id"] as? Int)

        // Acting takes a coordinator's token.
        let anonymous = try await site.post("/api/v1/alerts/\(id)/acknowledge")
        #expect(anonymous.status == 401 && anonymous.headers["www-authenticate"] == "Bearer" && anonymous.body.contains("token"))
        #expect(try await site.post("/api/v1/alerts/\(id)/acknowledge", token: "day-token").status == 401)
        let acknowledged = try await site.post("/api/v1/alerts/\(id)/acknowledge", token: "night-token")
        #expect(acknowledged.status == 200, "\(acknowledged.body)")
        #expect(try alert(acknowledged.body)["acknowledged_by"] as? String == "Night shift")
        let onFeed = await EndToEndTests.collect(feed, count: 1, within: 30) { $0.data.contains(#""handling":"acknowledged""#) }
        #expect(try onFeed.map { try alert($0.data)["id"] as? Int } == [id])

        #expect(try await site.post("/api/v1/alerts/\(id)/resolve", token: "night-token", json: #"{"reason":"bored"}"#).status == 400)
        #expect(try await site.post("/api/v1/alerts/\(id)/resolve", token: "night-token", json: "not json").status == 400)
        let resolved = try await site.post(
            "/api/v1/alerts/\(id)/resolve", token: "night-token",
            json:
                #"{"reason":"real-incident","note":"lin carried out, conscious","outcome":{"deaths":0,"injured":1,"hospitalised":0,"description":"a fall from the ladder"}}"#
        )
        #expect(resolved.status == 200)
        let r = try alert(resolved.body)
        #expect(
            r["handling"] as? String == "resolved" && r["resolution"] as? String == "real-incident"
                && r["note"] as? String == "lin carried out, conscious")
        #expect(try await site.post("/api/v1/alerts/\(id)/resolve", token: "night-token", json: #"{"reason":"test"}"#).status == 409)
        #expect(try await site.post("/api/v1/alerts/999999/acknowledge", token: "night-token").status == 404)
        #expect(try await !site.get("/api/v1/alerts?handling=unresolved").body.contains(#""id":\#(id),"#))
        #expect(try await site.get("/api/v1/alerts?handling=resolved").body.contains(#""id":\#(id),"#))
        #expect(try await site.get("/api/v1/alerts?handling=forgotten").status == 400)
        feed.close()
    }

}
