import EdgeCore
import Foundation
import Testing
import TestSupport
import Wire

/// The real Linux Bluetooth stack: a Debian kernel under QEMU with two virtual
/// LE controllers (btvirt). The device simulator advertises a shift's
/// wearables on hci0 through HCI commands; canary-agent scans on hci1 and must
/// put the right events in its outbox (scripts/bluez-vm/, docs/bluez.md).
@Suite struct BlueZVMTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Root, QEMU and a kernel image: what the test command installs; elsewhere the test is skipped.
    static var canBootAGuest: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/qemu-system-x86_64")
            && ((try? FileManager.default.contentsOfDirectory(atPath: "/boot"))?.contains { $0.hasPrefix("vmlinuz-") } ?? false)
    }

    @Test(.enabled(if: canBootAGuest, "needs root, qemu-system-x86_64 and a kernel image in /boot (scripts/test.sh installs them)"))
    func advertisementsOverTheKernelsBluetoothStackBecomeEvents() throws {
        let run = FileManager.default.temporaryDirectory.appendingPathComponent("canary-bluez-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: run) }
        // No broker: everything the agent raises stays in its outbox, which the test reads.
        try """
            site: vm-site
            gateway: gw-vm
            mqtt: {port: 1}
            outbox: {path: /tmp/canary-outbox.sqlite}
            source: {bluez: hci1, watchdog: 10s}
            workers:
              - {id: chen, gas_detector: "C0:FF:EE:00:01:01"}
              - {id: lin, gas_detector: "C0:FF:EE:00:02:01", button: "C0:FF:EE:00:02:04"}
            """.write(to: run.appendingPathComponent("agent.yaml"), atomically: true, encoding: .utf8)
        let bin = URL(fileURLWithPath: Daemon.executable("canary-agent")).deletingLastPathComponent().path
        let scenario = Self.root.appendingPathComponent("Tests/EndToEndTests/Fixtures/ble-shift.yaml").path
        let status = try runToEnd(["/usr/bin/env", "RUN_DIR=\(run.path)", "TIMEOUT=600",
                                   Self.root.appendingPathComponent("scripts/bluez-vm/run.sh").path,
                                   Self.root.appendingPathComponent("scripts/bluez-vm/guest-scan.sh").path,
                                   bin, scenario, "/run/vmio/agent.yaml"])
        func file(_ name: String) -> String { (try? String(contentsOf: run.appendingPathComponent(name), encoding: .utf8)) ?? "" }
        try #require(status == 0, "the guest failed (\(status)): \(file("console.log")) \(file("agent.log"))")

        let outbox = try Outbox(path: run.appendingPathComponent("canary-outbox.sqlite").path)
        let pending = try outbox.pending(limit: 10_000)
        let alarms = Set(pending.filter(\.isAlarm).map { $0.id.split(separator: "-", maxSplits: 1)[1] })
        #expect(alarms == ["chen-gas.H2S.low-alarm", "chen-gas.H2S.high-alarm", "lin-sos-alarm"], "\(alarms)")
        let readings = try pending.filter { !$0.isAlarm }.flatMap {
            try JSONDecoder().decode(CloudEvent<TelemetryBatch>.self, from: Data($0.payload)).data.readings
        }
        #expect(Set(readings.filter { $0.kind == "gas" }.map(\.worker)) == ["chen", "lin"])
        #expect(readings.contains { $0.kind == "gas" && ($0.values["h2s"] ?? 0) > 20 }, "the leak's readings came over the air")
        #expect(file("simulate.log").contains(", 0 failed"))
        #expect(file("agent.log").contains("agent exit: 0"))
        // An adapter that does not exist: a clear error and a failure status, no crash, no hang.
        #expect(file("no-adapter.log").contains("no such Bluetooth adapter") && file("no-adapter.log").contains("exit: 69"))
    }
}
