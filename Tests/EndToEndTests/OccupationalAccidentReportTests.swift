import Foundation
import LocalServices
import TestSupport
import Testing
import XRoadStandInServer

/// A real incident resolved by a coordinator becomes an occupational-accident
/// report, delivered through a stand-in for the X-Road security server
/// (``SecurityServerStandIn``) by the real collector: retried through a 500,
/// a hang and a dropped connection and across a SIGKILL, always with the same
/// `X-Road-Id`; a `Client.*` error shown and not retried; a client certificate
/// the server does not trust never gets through.
@Suite(.serialized) struct OccupationalAccidentReportTests {
    static let path = "/r1/TW/GOV/MOL/osha/occupational-accidents/v1/reports"

    func egov(port: Int, _ certs: TestCertificates, cert: String? = nil, key: String? = nil) -> String {
        """
        egov:
          employer: {name: 臺灣化工股份有限公司, business_id: "12345678"}
          sites: [{site: test-site, address: 高雄市小港區中林路1號}]
          roster: [{worker: lin, name: 林美玲}]
          xroad:
            security_server: https://127.0.0.1:\(port)
            client: TW/COM/12345678/canary
            service: TW/GOV/MOL/osha/occupational-accidents
            path: /v1/reports
            tls: {ca_file: \(certs.caCert), cert_file: \(cert ?? certs.clientCert), key_file: \(key ?? certs.clientKey)}
            timeout: 2s
            first_retry: 1s
        """
    }

    /// Runs `body` with the stand-in serving on its port, and stops it after.
    func withStandIn(_ standIn: SecurityServerStandIn, _ body: @Sendable (Int) async throws -> Void) async throws {
        try await serving(standIn.run, body)
    }

    /// Runs the short shift and resolves lin's fall, with her immobility after it, as a real incident
    /// that sent her to hospital: reportable under OSH Act art. 37.
    func resolveLinsFall(_ site: Worksite) async throws -> (fall: Int, immobility: Int) {
        let agent = try site.startAgent(speed: 0)
        #expect(await agent.exitCode(within: 120) == 0, "\(agent.errors)")
        func alert(_ kind: String) async throws -> Int? {
            let body = try await site.get("/api/v1/alerts?worker=lin").body
            let alerts = (try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: [[String: Any]]])?["alerts"] ?? []
            return alerts.first { $0["kind"] as? String == kind }?["id"] as? Int
        }
        try await site.eventually {
            let fall = try await alert("fall"), immobility = try await alert("immobility")
            return fall != nil && immobility != nil
        }
        let fall = try #require(try await alert("fall")), immobility = try #require(try await alert("immobility"))
        // A real incident needs its outcome.
        #expect(try await site.post("/api/v1/alerts/\(fall)/resolve", token: "night-token", json: #"{"reason":"real-incident"}"#).status == 400)
        let resolved = try await site.post(
            "/api/v1/alerts/\(fall)/resolve", token: "night-token",
            json: """
                {"reason":"real-incident","note":"carried out by the standby team","outcome":{"deaths":0,"injured":1,"hospitalised":1,\
                "description":"lin fell from the ladder in tank 3 and lay still","related_alerts":[\(immobility)]}}
                """)
        #expect(resolved.status == 200, "\(resolved.body)")
        return (fall, immobility)
    }

    func reports(_ site: Worksite) async throws -> [[String: Any]] {
        let body = try await site.get("/api/v1/reports", token: "night-token").body
        return (try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: [[String: Any]]])?["reports"] ?? []
    }

    func untilReport(_ site: Worksite, within seconds: Double, _ done: ([String: Any]) -> Bool) async throws -> [String: Any]? {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if let r = try await reports(site).first, done(r) { return r }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await reports(site).first
    }

    @Test func aReportIsDeliveredThroughFailuresAndASIGKILLWithOneXRoadId() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("canary-certs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let standIn = SecurityServerStandIn(answers: [.serverError, .hang, .drop], certificates: try TestCertificates(in: dir))
        try await withStandIn(standIn) { port in
            let site = try Worksite(collectorConfig: self.egov(port: port, standIn.certificates))
            try await site.startCollector()
            let (fall, immobility) = try await self.resolveLinsFall(site)

            // The 500 is retried; the retry hangs: the collector is killed in the middle of it.
            try await site.eventually { standIn.received.count >= 2 }
            #expect(standIn.received.count == 2)
            site.collector.kill(SIGKILL)
            try await site.startCollector()
            // The restarted collector goes on: the connection dropped, then delivered.
            let report = try #require(try await self.untilReport(site, within: 60) { $0["state"] as? String == "delivered" })
            #expect(report["state"] as? String == "delivered", "\(report)")
            #expect(standIn.received.count == 4)
            let xroadID = try #require(report["x_road_id"] as? String)
            for r in standIn.received {
                #expect(r.path == Self.path)
                #expect(r.headers["x-road-client"] == "TW/COM/12345678/canary")
                #expect(r.headers["x-road-id"] == xroadID, "every delivery of one report carries its X-Road-Id")
                #expect(r.headers["x-road-userid"] == "Night%20shift")
            }
            #expect((report["x_road_request_id"] as? String)?.isEmpty == false)
            #expect((report["x_road_request_hash"] as? String).flatMap { Data(base64Encoded: $0) }?.count == 64, "a SHA-512, base 64")

            // What the authority got: the employer, the site, the outcome, the alarms, the timeline, the worker by name.
            let last = try #require(standIn.received.last)
            let sent = try #require(try JSONSerialization.jsonObject(with: Data(last.body.utf8)) as? [String: Any])
            #expect((sent["employer"] as? [String: Any])?["business_id"] as? String == "12345678")
            #expect((sent["site"] as? [String: Any])?["address"] as? String == "高雄市小港區中林路1號")
            #expect((sent["outcome"] as? [String: Any])?["hospitalised"] as? Int == 1)
            #expect((sent["workers"] as? [[String: Any]])?.map { "\($0["id"]!) \($0["name"]!)" } == ["lin 林美玲"])
            #expect(Set((sent["alarms"] as? [[String: Any]])?.compactMap { $0["alert_id"] as? Int } ?? []) == [fall, immobility])
            let steps = (sent["timeline"] as? [[String: Any]])?.map { "\($0["step"]!) \($0["alert_id"]!)" } ?? []
            #expect(steps.contains("alarm \(fall)") && steps.contains("resolved \(fall)") && steps.contains("alarm \(immobility)"), "\(steps)")
            // It is what docs/schema/incident-report.schema.json says.
            let sentFile = dir.appendingPathComponent("sent.json").path
            try last.body.write(toFile: sentFile, atomically: true, encoding: .utf8)
            let schema = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("docs/schema/incident-report.schema.json").path
            #expect(
                try runToEnd([
                    "/usr/bin/python3", "-c",
                    "import json, sys, jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))",
                    sentFile, schema,
                ]) == 0, "the report fits its schema")
            let incident = try #require(sent["incident"] as? [String: Any])
            #expect(incident["kinds"] as? [String] == ["fall", "immobility"] && incident["deadline"] != nil)

            // Every attempt the collector lived to record is in the audit log: the 500, the drop, the delivery.
            let audit = try await site.get("/api/v1/audit", token: "admin-token").body
            #expect(audit.components(separatedBy: #""action":"report-attempt""#).count - 1 == 3, "\(audit)")
            #expect(audit.contains("Server.ServerProxy.NetworkError"))
            // One report per incident: the immobility, part of it, makes no second one.
            let again = try await site.post(
                "/api/v1/alerts/\(immobility)/resolve", token: "night-token",
                json: """
                    {"reason":"real-incident","outcome":{"deaths":0,"injured":1,"hospitalised":1,"description":"the same fall"}}
                    """)
            let count = try await self.reports(site).count
            #expect(again.status == 200 && count == 1)
        }
    }

    @Test func aClientErrorIsShownAndNotRetried() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("canary-certs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let standIn = SecurityServerStandIn(answers: [.clientError], certificates: try TestCertificates(in: dir))
        try await withStandIn(standIn) { port in
            let site = try Worksite(collectorConfig: self.egov(port: port, standIn.certificates))
            try await site.startCollector()
            _ = try await self.resolveLinsFall(site)
            let report = try #require(try await self.untilReport(site, within: 60) { $0["state"] as? String != "pending" })
            #expect(report["state"] as? String == "refused" && report["attempts"] as? Int == 1, "\(report)")
            #expect((report["last_error"] as? String)?.contains("Client.InvalidClientIdentifier") == true)
            #expect(standIn.received.count == 1)
        }
    }

    @Test func aClientCertificateTheServerDoesNotTrustGetsNothingThrough() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("canary-certs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let certificates = try TestCertificates(in: dir)
        let standIn = SecurityServerStandIn(answers: [], certificates: certificates)
        try await withStandIn(standIn) { port in
            let site = try Worksite(collectorConfig: self.egov(port: port, certificates, cert: certificates.rogueCert, key: certificates.rogueKey))
            try await site.startCollector()
            _ = try await self.resolveLinsFall(site)
            // Retried (the certificate may be replaced), never delivered, the reason shown.
            let report = try #require(try await self.untilReport(site, within: 60) { ($0["attempts"] as? Int ?? 0) >= 2 })
            #expect(report["state"] as? String == "pending" && report["last_error"] != nil, "\(report)")
            #expect(standIn.received.isEmpty)
        }
    }
}
