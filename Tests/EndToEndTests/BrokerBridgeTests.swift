import Foundation
import LocalServices
import TestSupport
import Testing

/// The shipped bridge config (`systemd/mosquitto-bridge.conf`), adapted only
/// to loopback without TLS or credentials: a gateway on its site's broker, the
/// collector on the central one. The shift's events reach the collector, its
/// acks come back, and a link down for a while loses nothing.
@Suite struct BrokerBridgeTests {
    @Test func aSiteBridgedToTheCentralBrokerDeliversItsShiftAndGetsItsAcksBack() async throws {
        // The central broker and its collector: the Worksite's.
        let site = try Worksite()
        try await site.startCollector()
        let bridge = try Broker { port, dir in
            let shipped = try String(
                contentsOf: BrokerIdentityTests.repository.appendingPathComponent("systemd/mosquitto-bridge.conf"), encoding: .utf8)
            let lines = shipped.split(separator: "\n", omittingEmptySubsequences: false).compactMap { line -> String? in
                let dropped = ["bridge_cafile ", "bridge_certfile ", "bridge_keyfile ", "remote_username ", "local_username ", "local_password "]
                if dropped.contains(where: { line.hasPrefix($0) }) { return nil }
                if line.hasPrefix("address ") { return "address 127.0.0.1:\(site.broker.port)" }
                return line.replacingOccurrences(of: "SITE", with: "test-site")
            }
            return "listener \(port) 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location \(dir.path)/\n"
                + lines.joined(separator: "\n")
        }
        // The agent publishes to its site's broker.
        let agent = try site.startAgent(speed: 2, resendAfter: "5s", brokerPort: bridge.port)
        #expect(await agent.line(containing: "\"phase\"", within: 60) != nil)
        // The link down for a while (the central broker away), then back.
        site.broker.stop()
        try await Task.sleep(for: .seconds(5))  // the outage itself, not a synchronisation
        try site.broker.start()
        #expect(await agent.exitCode(within: 180) == 0, "every message acknowledged end to end, through the bridge: \(agent.errors)")
        let printed = Worksite.printedIDs(agent)
        #expect(printed.count == 13)
        #expect(try site.storedAlarmIDs().sorted() == printed.sorted())
        #expect(try site.duplicateReadings() == 0)
    }
}
