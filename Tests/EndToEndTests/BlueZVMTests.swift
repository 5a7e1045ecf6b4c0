import EdgeCore
import Foundation
import LocalServices
import TestSupport
import Testing
import Wire

/// The real Linux Bluetooth stack: a Debian kernel under QEMU with virtual LE
/// controllers (btvirt). The device simulator plays a shift's wearables on
/// hci0 and hci2 (advertisements through HCI commands, GATT from an ATT
/// server socket); canary-agent scans on hci1, connects to the wearables that
/// stream, and must put the right events in its outbox
/// (scripts/bluez-vm/guest-scan.sh, docs/bluez.md).
@Suite struct BlueZVMTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Root, QEMU and a kernel image: what the test command installs; elsewhere the test is skipped.
    static var canBootAGuest: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/qemu-system-x86_64")
            && ((try? FileManager.default.contentsOfDirectory(atPath: "/boot"))?.contains { $0.hasPrefix("vmlinuz-") } ?? false)
    }

    func pending(_ path: URL) throws -> (alarms: Set<Substring>, readings: [TelemetryBatch.Reading]) {
        let pending = try Outbox(path: path.path).pending(limit: 10_000)
        let alarms = Set(pending.filter(\.isAlarm).map { $0.id.split(separator: "-", maxSplits: 1)[1] })
        let readings = try pending.filter { !$0.isAlarm }.flatMap {
            try JSONDecoder().decode(CloudEvent<TelemetryBatch>.self, from: Data($0.payload)).data.readings
        }
        return (alarms, readings)
    }

    @Test(.enabled(if: canBootAGuest, "needs root, qemu-system-x86_64 and a kernel image in /boot (scripts/test.sh installs them)"))
    func wearablesOverTheKernelsBluetoothStackBecomeEvents() throws {
        let run = FileManager.default.temporaryDirectory.appendingPathComponent("canary-bluez-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: run) }
        // No broker: everything the agents raise stays in their outboxes, which the test reads.
        // One GATT link at a time (btvirt cannot hold two from one central; guest-scan.sh says why):
        // chen's gas detector streams, lin's is served from its advertisements.
        try """
        site: vm-site
        gateway: gw-vm
        mqtt: {port: 1}
        outbox: {path: /tmp/canary-outbox.sqlite}
        source: {bluez: hci1, watchdog: 10s, gatt_connections: 1}
        workers:
          - {id: chen, gas_detector: "C0:FF:EE:00:01:01"}
          - {id: lin, gas_detector: "C0:FF:EE:00:02:01", button: "C0:FF:EE:00:02:04"}
        """.write(to: run.appendingPathComponent("agent.yaml"), atomically: true, encoding: .utf8)
        try """
        site: vm-site
        gateway: gw-vm
        mqtt: {port: 1}
        outbox: {path: /tmp/canary-outbox-heart.sqlite}
        source: {bluez: hci1, watchdog: 10s, gatt_connections: 1}
        workers:
          - {id: wang, heart: "C0:FF:EE:00:03:02"}
        """.write(to: run.appendingPathComponent("heart.yaml"), atomically: true, encoding: .utf8)
        let bin = URL(fileURLWithPath: Daemon.executable("canary-agent")).deletingLastPathComponent().path
        let fixtures = Self.root.appendingPathComponent("Tests/EndToEndTests/Fixtures")
        let status = try runToEnd([
            "/usr/bin/env", "RUN_DIR=\(run.path)", "TIMEOUT=600",
            Self.root.appendingPathComponent("scripts/bluez-vm/run.sh").path,
            Self.root.appendingPathComponent("scripts/bluez-vm/guest-scan.sh").path,
            bin, fixtures.appendingPathComponent("ble-shift.yaml").path, "/run/vmio/agent.yaml",
            fixtures.appendingPathComponent("ble-heart.yaml").path, "/run/vmio/heart.yaml",
        ])
        func file(_ name: String) -> String { (try? String(contentsOf: run.appendingPathComponent(name), encoding: .utf8)) ?? "" }
        try #require(status == 0, "the guest failed (\(status)): \(file("console.log")) \(file("shift-agent.log"))")

        // The shift: advertisements (gas frames, the SOS button) and chen's accelerometer over GATT.
        let shift = try pending(run.appendingPathComponent("canary-outbox.sqlite"))
        // The fall comes 9 s before the end: its pre-alarm, and no alarm yet (that takes 15 s unanswered).
        #expect(
            shift.alarms == ["chen-gas.H2S.low-alarm", "chen-gas.H2S.high-alarm", "lin-sos-alarm", "chen-fall-pre-alarm"],
            "\(file("shift-simulate.log"))\n\(file("shift-agent.log"))")
        #expect(Set(shift.readings.filter { $0.kind == "gas" }.map(\.worker)) == ["chen", "lin"])
        #expect(shift.readings.contains { $0.kind == "gas" && ($0.values["h2s"] ?? 0) > 20 }, "the leak's readings came over the air")
        // The link was dropped from the agent's side and came back, subscribed again; the fall after it was seen.
        let agentLog = file("shift-agent.log")
        let simulated = file("shift-simulate.log"), links = file("shift-links.log")
        #expect(
            agentLog.components(separatedBy: "GATT subscribed").count - 1 >= 2,
            "\(agentLog)\n\(links)\nbtvirt: \(file("btvirt.log").suffix(4_000))")
        #expect(simulated.components(separatedBy: "GATT connected: C0:FF:EE:00:01:01").count - 1 >= 2, "\(simulated)\n\(links)")
        // The H2S alarm reached the wearer: the agent wrote "alarm" to the detector's alert control.
        #expect(simulated.contains("alert control C0:FF:EE:00:01:01: 02"))
        #expect(simulated.contains(", 0 failed"))
        #expect(agentLog.contains("out_of_order_samples=0"), "accelerometer samples timed by their index, none out of order")
        #expect(agentLog.contains("rejected_samples=0"))
        #expect(agentLog.contains("agent exit: 0"))

        // The heart-rate strap's stream, the agent as an unprivileged user with CAP_NET_RAW and
        // CAP_NET_ADMIN only (the systemd unit's set): heart rate and RR intervals as telemetry.
        let heart = try pending(run.appendingPathComponent("canary-outbox-heart.sqlite"))
        let beats = heart.readings.filter { $0.kind == "heart-rate" && $0.worker == "wang" }
        #expect(beats.count >= 5, "\(heart.readings.count) readings\n\(file("heart-agent.log"))\n\(file("heart-simulate.log"))")
        #expect(beats.allSatisfy { ($0.values["bpm"] ?? 0) > 40 && ($0.values["rr_count"] ?? 0) >= 1 })
        // Its sleep summary, read on connecting.
        let sleep = heart.readings.filter { $0.kind == "sleep" && $0.worker == "wang" }
        #expect(!sleep.isEmpty && sleep.allSatisfy { $0.values["hours_asleep"] == 5.5 }, "\(heart.readings.map(\.kind))")
        #expect(file("heart-agent.log").contains("agent exit: 0"))

        // Without those capabilities: an error that names them, and retries.
        #expect(file("no-caps.log").contains("CAP_NET_RAW") && file("no-caps.log").contains("retrying"), "\(file("no-caps.log"))")
        // An adapter that does not exist: a clear error and a failure status, no crash, no hang.
        #expect(file("no-adapter.log").contains("no such Bluetooth adapter") && file("no-adapter.log").contains("exit: 69"))
    }
}
