@testable import CollectorCore
import Foundation
import DaemonSupport
import Testing
import Wire

@Suite struct CollectorConfigTests {
    func load(_ yaml: String) throws(ConfigError) -> CollectorConfig {
        try CollectorConfig.read(ConfigSection.parse(yaml, file: "collector.yaml"))
    }

    @Test func defaultsNeedNoKeys() throws {
        let c = try load("")
        #expect(c.mqtt.host == "127.0.0.1" && c.mqtt.port == 1883 && c.mqtt.clientID == "canary-collector")
        #expect(c.httpPort == 8080 && c.databasePath == "/var/lib/canary/collector.sqlite")
        #expect(c.ingest.shareGroup == nil && c.ingest.maxBatch == 2_000)
        #expect(!c.exportsNameWorkers, "exports pseudonymise unless told")
        #expect(try load("export: {workers: named}\n").exportsNameWorkers)
    }

    @Test func errorsNameTheFileTheLineAndTheKey() {
        let cases: [(String, String)] = [
            ("mqtt:\n  port: 99999\n", "collector.yaml:2: mqtt.port: must be an integer in 1…65535 (found \"99999\")"),
            ("storage:\n  sqllite: x\n", "collector.yaml:2: storage.sqllite: unknown key (known here: sqlite)"),
            ("ingest:\n  max_message: lots\n", "collector.yaml:2: ingest.max_message: must be a size like 512MiB or 2GiB"),
            ("http: 8080\n", "collector.yaml:1: http: must be a mapping of keys to values"),
            ("log_level: loud\n", "collector.yaml:1: log_level: must be one of"),
            ("http:\n  port: 80\nlog_level: loud\n", "collector.yaml:3: log_level: must be one of"),
            ("mqtt:\n  tls:\n    cert_file: /etc/c.pem\n", "collector.yaml:3: mqtt.tls.cert_file: cert_file and key_file go together"),
            ("mqtt: [\n", "collector.yaml:2: not valid YAML"),
            ("export:\n  workers: maybe\n", "collector.yaml:2: export.workers: must be pseudonymised or named (found 'maybe')"),
            ("alerts:\n  escalate_after: 0s\n", "collector.yaml:2: alerts.escalate_after: must be a duration"),
            ("coordinators:\n  - {name: a, token_sha256: abc}\n", "collector.yaml:2: coordinators[0].token_sha256: must be 64 hex digits"),
            ("coordinators:\n  - {token_sha256: \(String(repeating: "a", count: 64))}\n", "collector.yaml:2: coordinators[0].name: is required"),
            ("coordinators:\n  - {name: a, token_sha256: \(String(repeating: "a", count: 64))}\n  - {name: b, token_sha256: \(String(repeating: "A", count: 64))}\n",
             "collector.yaml:3: coordinators[1].token_sha256: is another coordinator's too"),
        ]
        for (yaml, message) in cases {
            #expect(throws: ConfigError.self) { try load(yaml) }
            do {
                _ = try load(yaml)
            } catch {
                #expect(error.description.hasPrefix(message), "\(error)")
            }
        }
    }

    /// The config holds the SHA-256 of each coordinator's token; the token itself names them.
    @Test func coordinatorsAreKnownByTheirTokens() throws {
        // What `printf %s night-shift-token | sha256sum` prints, as docs/collector.md tells operators to do.
        let hash = Coordinators.sha256("night-shift-token")
        #expect(hash == "aa32f897d2440eca66fb9ad92fa38d0373217b69ae799dac2d989d5290df4b5b")
        let c = try load("alerts: {escalate_after: 90s}\ncoordinators:\n  - {name: Night shift, token_sha256: \(hash.uppercased())}\n")
        #expect(c.escalateAfterMs == 90_000)
        #expect(c.coordinators.who("Bearer night-shift-token") == "Night shift")
        #expect(c.coordinators.who("Bearer day-shift-token") == nil)
        #expect(c.coordinators.who("night-shift-token") == nil, "only a bearer token")
        #expect(c.coordinators.who(nil) == nil)
        #expect(try load("").coordinators.isEmpty && (try load("").escalateAfterMs) == 60_000)
    }

    @Test func theExampleConfigIsValid() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let c = try CollectorConfig.load(file: root.appendingPathComponent("examples/config/collector.yaml").path)
        #expect(c.httpHost == "0.0.0.0" && c.escalateAfterMs == 60_000 && c.coordinators.isEmpty)
    }

    @Test func sharedSubscriptionsAndLimits() throws {
        let c = try load("mqtt: {share_group: canary}\ningest: {max_message: 64KiB, max_batch: 10}\nhttp: {port: 0, keep_alive: 5s}\n")
        #expect(c.ingest.shareGroup == "canary" && c.ingest.messageLimit == 65_536 && c.ingest.maxBatch == 10 && c.httpPort == 0)
        let defaults = try load("")
        #expect(c.keepAliveMs == 5_000 && defaults.keepAliveMs == 15_000)
    }
}

@Suite struct IngestTransactionTests {
    @Test func telemetryIsCommittedInTransactionsOfBoundedReadings() throws {
        let topics = try Topics(site: "s", gateway: "g")
        func telemetry(_ n: Int) -> ReceivedMessage {
            let readings = (0..<n).map { TelemetryBatch.Reading(worker: "w", device: "d", kind: "gas", time_ms: Int64($0), values: [:]) }
            let e = CloudEvent(id: "t\(n)", source: topics.source, type: EventTypes.telemetry, timeMs: 0, data: TelemetryBatch(readings: readings))
            return ReceivedMessage(topics: topics, message: .telemetry(TelemetryMessage(e)), raw: [])
        }
        let chunks = Ingest.transactions([telemetry(150), telemetry(100), telemetry(500), telemetry(10), telemetry(20)], readingsPerCommit: 200)
        // 150 | 100 | 500 alone (over the bound by itself) | 10 + 20
        #expect(chunks.map { $0.map { m in if case .telemetry(let e) = m.message { e.readings.count } else { 0 } } }
                 == [[150], [100], [500], [10, 20]])
    }
}

@Suite struct WorkQueueTests {
    /// A full queue holds its feeder until the next stage takes a batch; one with room does not.
    @Test func aFullQueueHoldsItsFeederUntilItemsAreTaken() async {
        let q = WorkQueue<Int>(capacity: 2)
        q.append([1])
        await q.waitForRoom()
        q.append([2, 3])
        async let room: Void = q.waitForRoom()
        #expect(q.take(max: 2) == [1, 2])
        await room
        #expect(q.take(max: 10) == [3])
    }
}

