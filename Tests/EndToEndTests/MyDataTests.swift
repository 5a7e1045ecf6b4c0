import Foundation
import LocalServices
import TestSupport
import Testing

@testable import CollectorCore

/// A worker's own data (MyData) and their consent to research use of their
/// health readings, against the real collector: lin and chen each read
/// their own document and nobody else's; chen's heart-rate readings reach a
/// research export only while he consents.
@Suite struct MyDataTests {
    func json(_ body: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
    }

    @Test func eachWorkerReadsTheirOwnDataAndDecidesOnResearchUse() async throws {
        let site = try Worksite()
        try await site.startCollector()
        let agent = try site.startAgent(speed: 0)
        #expect(await agent.exitCode(within: 120) == 0, "\(agent.errors)")
        try await site.eventually {
            let workers = try await site.get("/api/v1/workers").body, alerts = try await site.get("/api/v1/alerts?worker=lin").body
            return workers.contains("heart-rate") && alerts.contains("fall")
        }

        // lin's document: hers alone, all of it.
        let lin = try await site.get("/api/v1/mydata/test-site/lin", token: "lin-token")
        #expect(lin.status == 200, "\(lin.body)")
        let doc = try json(lin.body)
        #expect((doc["worker"] as? [String: Any])?["id"] as? String == "lin")
        #expect((doc["consent"] as? [String: Any])?["research"] as? Bool == false, "no consent unless given")
        let alerts = try #require(doc["alerts"] as? [[String: Any]])
        #expect(!alerts.isEmpty && alerts.allSatisfy { $0["worker"] as? String == "lin" } && alerts.contains { $0["kind"] as? String == "fall" })
        let events = try #require(doc["events"] as? [[String: Any]])
        #expect(!events.isEmpty && events.allSatisfy { $0["subject"] as? String == "lin" })
        let readings = try #require(doc["readings"] as? [[String: Any]])
        #expect(readings.count > 10 && readings.allSatisfy { $0["worker"] as? String == "lin" })
        #expect((doc["audit"] as? [[String: Any]])?.contains { $0["action"] as? String == "mydata" } == true, "her download is on record")
        // Nobody else's.
        #expect(try await site.get("/api/v1/mydata/test-site/chen", token: "lin-token").status == 403)
        #expect(try await site.get("/api/v1/mydata/test-site/lin", token: "researcher-token").status == 403)
        #expect(try await site.get("/api/v1/mydata/test-site/lin", token: nil).status == 401)
        #expect(
            try await APIClient.request(
                "PUT", port: site.apiPort, "/api/v1/mydata/test-site/chen/consent",
                headers: ["Authorization": "Bearer lin-token"], body: #"{"research":true}"#
            ).status == 403)

        // chen's heart-rate readings reach research exports while he consents, and only his.
        let key = try #require(try site.collectorDB { try Data.fetchOne($0, sql: "SELECT value FROM secrets WHERE name = 'pseudonyms'") })
        let chen = Pseudonyms(key: Array(key)).worker("chen")
        func heartRateWorkers() async throws -> Set<String> {
            let export = try await site.get("/api/v1/export/telemetry.ndjson?type=heart-rate", token: "researcher-token").body
            return Set(
                export.split(separator: "\n").compactMap {
                    (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["worker"] as? String
                })
        }
        func consent(_ research: Bool) async throws -> APIClient.Response {
            try await APIClient.request(
                "PUT", port: site.apiPort, "/api/v1/mydata/test-site/chen/consent",
                headers: ["Authorization": "Bearer chen-token", "Content-Type": "application/json"], body: #"{"research":\#(research)}"#)
        }
        #expect(try await heartRateWorkers().isEmpty)
        #expect(try await consent(true).status == 200)
        #expect(try await heartRateWorkers() == [chen])
        #expect(try await consent(false).status == 200)
        #expect(try await heartRateWorkers().isEmpty, "withdrawn: out of every export after it")
        let chenDoc = try json(try await site.get("/api/v1/mydata/test-site/chen", token: "chen-token").body)
        #expect(
            (chenDoc["consent"] as? [String: Any])?["research"] as? Bool == false
                && (chenDoc["consent"] as? [String: Any])?["changed"] as? String != nil)
        #expect((chenDoc["readings"] as? [[String: Any]])?.contains { $0["kind"] as? String == "heart-rate" } == true, "his own, always")
        #expect((chenDoc["audit"] as? [[String: Any]])?.filter { $0["action"] as? String == "consent" }.count == 2)

        // Open data names nobody, and is the researchers' and operators' to fetch.
        let daily = try await site.get("/api/v1/opendata/daily.csv", token: "researcher-token")
        #expect(daily.status == 200 && daily.body.hasPrefix("date,site,worker_hours_monitored,"), "\(daily.body)")
        let fields = Set(daily.body.split(whereSeparator: { $0 == "," || $0.isNewline }).map(String.init))
        #expect(fields.contains("test-site") && fields.isDisjoint(with: ["chen", "lin", "wang"]))
        #expect(try await site.get("/api/v1/opendata/daily.json", token: "admin-token").body.contains(#""site":"test-site""#))
        #expect(try await site.get("/api/v1/opendata/metadata.json", token: "night-token").status == 403)
    }
}
