import Foundation
import LocalServices
import TestSupport
import Testing
import Wire
import XRoadStandInServer

/// What the collector says is true (docs/collector.md, "Alerts", "One cause,
/// one alert", "Times"), through a real broker, a real agent and collector,
/// and the X-Road stand-in for the report: an alarm is told and reported by
/// its worst reading, one cause is one alert, and a gateway's clock running
/// ahead never dates an alarm after the collector knew of it.
@Suite(.serialized) struct TruthfulAlertsTests {
    static let equipmentShift = Worksite.fixture("equipment-shift.yaml")

    func alerts(_ site: Worksite, _ query: String) async throws -> [[String: Any]] {
        let body = try await site.get("/api/v1/alerts?\(query)").body
        return (try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: [[String: Any]]])?["alerts"] ?? []
    }

    func english(_ alert: [String: Any]) -> [String: String] {
        ((alert["words"] as? [String: Any])?["en"] as? [String: String]) ?? [:]
    }

    func withStandIn(_ body: @Sendable (SecurityServerStandIn, Int) async throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("canary-certs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let standIn = SecurityServerStandIn(answers: [], certificates: try TestCertificates(in: dir))
        try await serving(standIn.run) { port in try await body(standIn, port) }
    }

    /// The report the stand-in was sent last, as JSON.
    func sentReport(_ standIn: SecurityServerStandIn, _ site: Worksite) async throws -> [String: Any] {
        try await site.eventually { !standIn.received.isEmpty }
        let last = try #require(standIn.received.last)
        return try #require(try JSONSerialization.jsonObject(with: Data(last.body.utf8)) as? [String: Any])
    }

    @Test(arguments: Worksite.Storage.allCases)
    func oneCauseIsOneAlertAndAClearedAlarmIsToldAndReportedByItsWorst(_ storage: Worksite.Storage) async throws {
        try await withStandIn { standIn, port in
            let site = try Worksite(
                collectorConfig: OccupationalAccidentReportTests().egov(port: port, standIn.certificates), storage: storage)
            try await site.startCollector()
            let agent = try site.startAgent(speed: 0, scenario: Self.equipmentShift)
            #expect(await agent.exitCode(within: 120) == 0, "\(agent.errors)")
            try await site.shiftStored()

            // huang's battery ran flat, then his gas detector and heart strap fell silent, and with them
            // his four gas sensors: one alert that names all of it, not eight.
            let huang = try await alerts(site, "worker=huang")
            #expect(huang.map { $0["kind"] as? String } == ["equipment"], "\(huang)")
            let covers = Set(((huang.first?["covers"] as? [[String: Any]]) ?? []).map { "\($0["kind"]!)/\($0["condition"]!)" })
            #expect(
                covers.isSuperset(of: [
                    "low-battery/C0:FF:EE:00:04:01", "device-offline/C0:FF:EE:00:04:01", "device-offline/C0:FF:EE:00:04:02",
                    "gas/O2.stale", "gas/CO.stale", "gas/H2S.stale", "gas/LEL.stale",
                ]), "\(covers)")
            #expect(huang.first?["severity"] as? String == "alarm" && huang.first?["state"] as? String == "alarm")
            let huangWords = english(try #require(huang.first))["what"] ?? ""
            #expect(
                huangWords.contains("wearables C0:FF:EE:00:04:01, C0:FF:EE:00:04:02 silent") && huangWords.contains("H₂S")
                    && huangWords.contains("not measured"), "\(huangWords)")
            // Each condition stays on record as the gateway's own event.
            let events = try await site.get("/api/v1/events?worker=huang").body
            #expect(events.components(separatedBy: "-device-offline.").count - 1 == 2, "\(events)")

            // wang's detector reported a fault on every gas: one alert.
            let wang = try await alerts(site, "worker=wang")
            #expect(wang.map { $0["kind"] as? String } == ["equipment"], "\(wang)")
            let faults = ((wang.first?["covers"] as? [[String: Any]]) ?? []).compactMap { $0["condition"] as? String }
            #expect(Set(faults) == ["O2.fault", "CO.fault", "H2S.fault", "LEL.fault"], "\(faults)")

            // chen's oxygen fell to 17 % and came back: her alarms are told by how low it went, not by the 20.9 % that cleared them.
            let chen = try await alerts(site, "worker=chen")
            let critical = try #require(chen.first { $0["condition"] as? String == "O2.critical" }, "\(chen)")
            #expect(critical["state"] as? String == "cleared" && critical["severity"] as? String == "info")
            let worst = try #require(critical["worst"] as? [String: Any])
            let lowest = try #require((worst["values"] as? [String: Double])?["value"])
            #expect(lowest <= 17.3 && worst["severity"] as? String == "critical", "\(worst)")
            #expect(((critical["values"] as? [String: Double])?["value"] ?? 0) >= 18, "the clearing reading is its current value")
            let words = english(critical)
            #expect(
                words["what"]?.hasPrefix("O₂ fell to 17") == true && words["what"]?.contains("(limit 18 % vol) — cleared after") == true, "\(words)")
            #expect(words["line"]?.hasPrefix("[CRITICAL] chen") == true, "\(words)")

            // chen was taken to hospital: the report states what she was exposed to.
            let id = try #require(critical["id"] as? Int)
            let resolved = try await site.post(
                "/api/v1/alerts/\(id)/resolve", token: "night-token",
                json: """
                    {"reason":"real-incident","outcome":{"deaths":0,"injured":1,"hospitalised":1,"description":"chen collapsed in the low oxygen"}}
                    """)
            #expect(resolved.status == 200, "\(resolved.body)")
            let report = try await sentReport(standIn, site)
            let alarm = try #require((report["alarms"] as? [[String: Any]])?.first)
            #expect(alarm["severity"] as? String == "critical", "\(alarm)")
            #expect((alarm["values"] as? [String: Double])?["value"] == lowest && (alarm["values"] as? [String: Double])?["limit"] == 18)
            #expect(alarm["worst_at"] as? String == worst["time"] as? String && alarm["cleared"] as? String == critical["updated"] as? String)
        }
    }

    /// A gateway whose clock runs three minutes ahead: its offset is measured and shown, its
    /// alarm is dated no later than it reached the collector, and the report's timeline puts
    /// the alarm before the coordinator's answer.
    @Test func aGatewayClockAheadIsMeasuredAndNeverPutsAnEffectBeforeItsCause() async throws {
        try await withStandIn { standIn, port in
            let site = try Worksite(collectorConfig: OccupationalAccidentReportTests().egov(port: port, standIn.certificates))
            try await site.startCollector()
            let ahead: Int64 = 180_000
            let sentAt = Int64(Date().timeIntervalSince1970 * 1000) + ahead
            func publish(_ kind: String, _ message: String) throws {
                #expect(
                    try runToEnd([
                        "/usr/bin/mosquitto_pub", "-p", "\(site.broker.port)", "-q", "1", "-t", "canary/v1/test-site/gw-7/\(kind)", "-m", message,
                    ]) == 0)
            }
            try publish(
                "status",
                """
                {"specversion":"1.0","id":"\(sentAt)-status-online","source":"canary://test-site/gw-7","type":"tw.canary.gateway.status",\
                "time":"\(RFC3339.format(ms: sentAt))","data":{"state":"online"}}
                """)
            try publish(
                "telemetry",
                """
                {"specversion":"1.0","id":"\(sentAt)-telemetry-1","source":"canary://test-site/gw-7","type":"tw.canary.telemetry",\
                "time":"\(RFC3339.format(ms: sentAt))","data":{"readings":[{"kind":"gas","device":"C0:FF:EE:00:07:01","worker":"mei",\
                "time_ms":\(sentAt),"values":{"o2":20.9}}]}}
                """)
            try publish(
                "events",
                """
                {"specversion":"1.0","id":"\(sentAt + 500)-mei-fall-alarm","source":"canary://test-site/gw-7","type":"tw.canary.alarm.fall",\
                "time":"\(RFC3339.format(ms: sentAt + 500))","subject":"mei","data":{"kind":"fall","condition":"fall","phase":"alarm",\
                "severity":"critical","time_ms":\(sentAt + 500),"values":{"preAlarmMs":15000}}}
                """)
            try await site.eventually { try await !alerts(site, "worker=mei").isEmpty }
            let arrived = Int64(Date().timeIntervalSince1970 * 1000)
            let fall = try #require(try await alerts(site, "worker=mei").first)
            let opened = try #require(RFC3339.parse(fall["opened"] as? String ?? ""))
            #expect(opened <= arrived, "dated \(opened - arrived) ms after it arrived")
            #expect(opened >= arrived - 10_000, "the gateway's time less its offset, not a guess")
            #expect(fall["gateway_time"] as? String == RFC3339.format(ms: sentAt + 500), "what the gateway said is kept")

            // The offset is measured and shown.
            let gateways = try await site.get("/api/v1/gateways").body
            let offset =
                ((try JSONSerialization.jsonObject(with: Data(gateways.utf8)) as? [String: [[String: Any]]])?["gateways"] ?? [])
                .first { $0["gateway"] as? String == "gw-7" }?["clock_offset_ms"] as? Int
            #expect(offset.map { (Int(ahead) - 10_000...Int(ahead) + 1_000).contains($0) } == true, "\(gateways)")

            // The incident happened before the collector knew, and the alarm comes before its resolution.
            let id = try #require(fall["id"] as? Int)
            let resolved = try await site.post(
                "/api/v1/alerts/\(id)/resolve", token: "night-token",
                json: #"{"reason":"real-incident","outcome":{"deaths":0,"injured":1,"hospitalised":1,"description":"mei fell"}}"#)
            #expect(resolved.status == 200, "\(resolved.body)")
            let report = try await sentReport(standIn, site)
            let incident = try #require(report["incident"] as? [String: Any])
            #expect(try #require(incident["time"] as? String) <= (try #require(incident["known_at"] as? String)), "\(incident)")
            let steps = (report["timeline"] as? [[String: Any]])?.map { "\($0["step"]!)" } ?? []
            #expect(steps.first == "alarm" && steps.last == "resolved", "\(steps)")
        }
    }
}
