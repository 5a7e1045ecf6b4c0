import Foundation
import GRDB
import LocalServices
import TestSupport
import Testing

/// The shipped broker config (`systemd/mosquitto-canary.conf` and its ACL),
/// adapted only to a free loopback port without TLS, against a real collector:
/// a gateway's credentials cannot take over the collector's session, nor
/// write another gateway's topics.
@Suite struct BrokerIdentityTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func alarm(_ n: Int, gateway: String = "gw-01") -> String {
        """
        {"specversion":"1.0","id":"1767254400\(n)-ana-sos-alarm","source":"canary://tank-farm-3/\(gateway)","type":"tw.canary.alarm.sos",\
        "time":"2026-01-01T08:00:00.000Z","subject":"ana","data":{"kind":"sos","condition":"","phase":"alarm",\
        "severity":"critical","time_ms":\(Int64(Date().timeIntervalSince1970 * 1000)),"values":{}}}
        """
    }

    @Test func aGatewaysCredentialsCannotTakeOverTheCollectorsSession() async throws {
        let broker = try Broker { port, dir in
            for (user, password) in [("canary-collector", "collector-pass"), ("tank-farm-3-gw-01", "gateway-pass")] {
                #expect(
                    try runToEnd(
                        ["/usr/bin/mosquitto_passwd", "-b"] + (user == "canary-collector" ? ["-c"] : [])
                            + [dir.appendingPathComponent("canary.passwd").path, user, password]) == 0)
            }
            try String(contentsOf: Self.repository.appendingPathComponent("systemd/mosquitto-canary.acl"), encoding: .utf8)
                .write(to: dir.appendingPathComponent("canary.acl"), atomically: true, encoding: .utf8)
            let shipped = try String(contentsOf: Self.repository.appendingPathComponent("systemd/mosquitto-canary.conf"), encoding: .utf8)
            return shipped.split(separator: "\n", omittingEmptySubsequences: false).compactMap { line -> String? in
                if line.hasPrefix("listener ") { return "listener \(port) 127.0.0.1" }
                if ["cafile ", "certfile ", "keyfile "].contains(where: { line.hasPrefix($0) }) { return nil }
                if line.hasPrefix("password_file ") { return "password_file \(dir.appendingPathComponent("canary.passwd").path)" }
                if line.hasPrefix("acl_file ") { return "acl_file \(dir.appendingPathComponent("canary.acl").path)" }
                if line.hasPrefix("persistence_location ") { return "persistence_location \(dir.path)/" }
                return String(line)
            }.joined(separator: "\n")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("canary-identity-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let password = dir.appendingPathComponent("mqtt.pass").path
        try "collector-pass\n".write(toFile: password, atomically: true, encoding: .utf8)
        chmod(password, 0o600)
        let database = dir.appendingPathComponent("collector.sqlite").path
        // No client_id: it defaults to the user name, as the broker binds it.
        try """
        mqtt: {port: \(broker.port), username: canary-collector, password_file: \(password)}
        storage: {sqlite: \(database)}
        http: {port: 0}
        \(Worksite.tokens)
        """.write(toFile: dir.appendingPathComponent("collector.yaml").path, atomically: true, encoding: .utf8)
        func startCollector() async throws -> Daemon {
            let collector = try Daemon(
                "canary-collector", ["--config", dir.appendingPathComponent("collector.yaml").path], in: dir,
                label: "collector-\(UUID().uuidString.prefix(8))")
            let port = try await collector.collectorAPIPort(within: 120)
            let feed = try await APIClient.EventStream(port: port, "/api/v1/alerts/stream", headers: ["Authorization": "Bearer all-token"])
            #expect(await EndToEndTests.collectorSays(feed), "the collector's credentials are taken")
            feed.close()
            return collector
        }
        var collector = try await startCollector()
        collector.kill(SIGKILL)

        // While the collector is away, gw-01 raises an alarm: the broker queues it in the collector's session.
        func publish(_ message: String, clientID: String, topic: String = "canary/v1/tank-farm-3/gw-01/events") throws -> Int32 {
            try runToEnd([
                "/usr/bin/mosquitto_pub", "-p", "\(broker.port)", "-q", "1", "-i", clientID,
                "-u", "tank-farm-3-gw-01", "-P", "gateway-pass", "-t", topic, "-m", message,
            ])
        }
        #expect(try publish(alarm(1), clientID: "tank-farm-3-gw-01") == 0)
        // gw-01's credentials with the collector's client id and a clean start: without the broker binding ids to
        // user names, this discarded the collector's session and the alarm queued in it.
        #expect(try publish(alarm(2), clientID: "canary-collector") == 0)
        // Nor may gw-01 speak for gw-02.
        _ = try publish(alarm(3, gateway: "gw-02"), clientID: "tank-farm-3-gw-01", topic: "canary/v1/tank-farm-3/gw-02/events")

        collector = try await startCollector()
        var c = Configuration()
        c.readonly = true
        let stored = { try DatabaseQueue(path: database, configuration: c).read { try Set(String.fetchAll($0, sql: "SELECT id FROM events")) } }
        // A last alarm of gw-01's, after the one for gw-02: once it is stored, gw-02's would have been too.
        #expect(try publish(alarm(4), clientID: "tank-farm-3-gw-01") == 0)
        let deadline = ContinuousClock.now + .seconds(60)
        while try !stored().contains("17672544004-ana-sos-alarm"), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        let ids = try stored()
        #expect(
            ids == ["17672544001-ana-sos-alarm", "17672544002-ana-sos-alarm", "17672544004-ana-sos-alarm"],
            "the queued alarm survived; gw-02's was refused: \(ids.sorted())")
        collector.kill(SIGTERM)
    }
}
