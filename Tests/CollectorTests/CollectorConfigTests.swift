@testable import CollectorCore
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

    @Test func sharedSubscriptionsAndLimits() throws {
        let c = try load("mqtt: {share_group: canary}\ningest: {max_message: 64KiB, max_batch: 10}\nhttp: {port: 0}\n")
        #expect(c.ingest.shareGroup == "canary" && c.ingest.messageLimit == 65_536 && c.ingest.maxBatch == 10 && c.httpPort == 0)
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

