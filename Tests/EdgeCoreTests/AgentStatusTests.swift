import DeviceFormats
import EdgeCore
import Foundation
import GRDB
import LocalServices
import Logging
import MQTT
import SimulatedWorksite
import Synchronization
import TestSupport
import Testing
import Wire
import WorksiteSimulator

/// The agent's `status` line: what it counted (bad frames, strangers' frames)
/// shows in its log while it runs, not only when it stops.
@Suite struct AgentStatusTests {
    final class Records: Sendable {
        let list = Mutex<[(message: String, metadata: Logger.Metadata)]>([])
    }

    /// Keeps what is logged, in memory.
    struct Capture: LogHandler {
        let records: Records
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            records.list.withLock { $0.append((event.message.description, metadata.merging(event.metadata ?? [:]) { $1 })) }
        }
    }

    /// Its frames, then silence without an end, as a live scanner that hears nothing more.
    struct Frames: BLESource {
        let list: [BLEFrame]

        func frames() -> AsyncStream<BLEFrame> {
            AsyncStream { c in for f in list { c.yield(f) } }
        }
    }

    /// A directory for one test's outbox; the caller removes it.
    func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("canary-status-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The agent daemon on `source`, its status line every 100 ms, its log kept in `records`;
    /// it runs until the task is cancelled.
    func startAgent(
        _ broker: Broker, directory: SiteDirectory, outboxPath: String, source: any BLESource,
        records: Records, metricsFile: String? = nil
    ) throws -> Task<Void, any Error> {
        let config = AgentConfig(
            topics: try Topics(site: "tank-farm-3", gateway: "gw-1"),
            mqtt: MQTTConfiguration(host: "127.0.0.1", port: broker.port, clientID: "status-\(broker.port)"),
            outboxPath: outboxPath, source: .btsnoop(""), directory: directory, statusEveryMs: 100,
            metricsFile: metricsFile)
        let agent = AgentDaemon(config: config, logger: Logger(label: "agent") { _ in Capture(records: records) }, source: source)
        return Task { try await agent.run() }
    }

    /// The latest status line that `matches`, waited for. Generous: every suite runs at once, and
    /// the CPU-heavy ones (SisFall) can hold Swift's cooperative pool (a thread per core) for half
    /// a minute on two cores, as in CI once.
    func statusLine(in records: Records, where matches: (Logger.Metadata) -> Bool) async throws -> Logger.Metadata? {
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            if let s = records.list.withLock({ $0 }).last(where: { $0.message == "status" && matches($0.metadata) }) { return s.metadata }
        }
        return nil
    }

    @Test func whatTheAgentCountedIsLoggedWhileItRuns() async throws {
        let broker = try Broker()
        let detector: [UInt8] = [0xC0, 0xFF, 0xEE, 0x00, 0x01, 0x01], stranger: [UInt8] = [1, 2, 3, 4, 5, 6]
        var directory = SiteDirectory(site: "tank-farm-3")
        directory.bind(detector, worker: "chen", role: .gasDetector)
        let t = Int64(Date().timeIntervalSince1970 * 1000)
        let frames = [
            BLEFrame(timeMs: t, address: detector, payload: .advertisement([0x05, 0xFF, 0xFF])),  // cut short
            BLEFrame(timeMs: t + 10, address: stranger, payload: .advertisement([0x02, 0x01, 0x06])),
            // A second later the agent's clock ticks, and the counts are taken.
            BLEFrame(timeMs: t + 1_000, address: stranger, payload: .advertisement([0x02, 0x01, 0x06])),
        ]
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let records = Records()
        let metricsFile = dir.appendingPathComponent("canary-agent.prom").path
        let run = try startAgent(
            broker, directory: directory, outboxPath: dir.appendingPathComponent("outbox.sqlite").path,
            source: Frames(list: frames), records: records, metricsFile: metricsFile)
        defer { run.cancel() }

        let s = try #require(try await statusLine(in: records) { $0["rejected_payloads"] != "0" })
        #expect(s["rejected_payloads"] == "1")
        #expect(s["rejected_bad-length"] == "1")
        #expect(s["unknown_device_frames"] == "1")
        #expect(s["outbox_alarms"] == "0")
        #expect(s["refused_acks"] == "0")
        #expect(s["awaiting_ack"] == "0")

        // The same counts for node_exporter's textfile collector.
        let expected = [
            #"canary_agent_rejected_payloads_total{kind="bad-length"} 1"#, "canary_agent_unknown_device_frames_total 1",
            "canary_agent_outbox_alarms 0.0",
        ]
        let deadline = ContinuousClock.now + .seconds(120)
        var text = ""
        while !expected.allSatisfy(text.contains), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            text = (try? String(contentsOfFile: metricsFile, encoding: .utf8)) ?? ""
        }
        for line in expected { #expect(text.contains(line + "\n"), "\(text)") }
        #expect(text.contains("# TYPE canary_agent_unknown_device_frames_total counter"))
    }

    /// An outbox that refuses writes (a trigger that aborts every insert, made
    /// by another connection to the real file): the status line counts the
    /// telemetry it lost and the alarms it holds in memory.
    @Test func whatTheOutboxCannotTakeShowsOnTheStatusLine() async throws {
        let broker = try Broker()
        var scenario = try Scenario.load(
            yaml: """
                site: tank-farm-3
                duration_s: 5
                workers:
                  - {id: wang, gas_detector: "C0:FF:EE:00:03:01", button: "C0:FF:EE:00:03:04"}
                incidents:
                  - {at_s: 1, worker: wang, kind: sos}
                """)
        scenario.start = Date().timeIntervalSince1970
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let outboxPath = dir.appendingPathComponent("outbox.sqlite").path
        _ = try Outbox(path: outboxPath)
        try await DatabaseQueue(path: outboxPath).write {
            try $0.execute(sql: "CREATE TRIGGER refuse BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'full'); END")
        }
        let records = Records()
        let run = try startAgent(
            broker, directory: SiteDirectory(scenario: scenario), outboxPath: outboxPath,
            source: SimulatedSource(scenario: scenario), records: records)
        defer { run.cancel() }

        let s = try #require(try await statusLine(in: records) { $0["alarms_held_in_memory"] != "0" && $0["telemetry_not_written"] != "0" })
        #expect(s["alarms_held_in_memory"] == "1", "the SOS")
        #expect(s["outbox_alarms"] == "0" && s["outbox_telemetry"] == "0")
        #expect(records.list.withLock { $0 }.contains { $0.message.hasPrefix("cannot write alarms to the outbox") })
    }
}
