import CollectorCore
import DaemonSupport
import DeviceFormats
import EdgeCore
import Foundation
import LocalServices
import Logging
import MQTT
import RiskCore
import ServiceLifecycle
import Synchronization
import Wire

// End-to-end benchmarks with real parts (scripts/bench-e2e.sh, release build):
//
//   CanaryLoad ingest [MESSAGES [READINGS]]   collector ingest into SQLite, into PostgreSQL, and into
//                                   PostgreSQL with two collectors sharing the load, vs a subscriber
//                                   that discards: the same queued messages from the same mosquitto,
//                                   one run; READINGS per telemetry message, 10 unless given
//   CanaryLoad offline [MESSAGES [READINGS]]  the ingest's validation and storing alone, no MQTT
//   CanaryLoad latency [SECONDS]   alarm latency, device bytes entering the agent → SSE event
//                                   at a client, with 1,000 telemetry readings/s in the background
//
// Both start their own mosquitto on a free loopback port, ingest a PostgreSQL cluster of
// its own; latency also starts the release canary-collector process (CANARY_BIN_DIR),
// on PostgreSQL with `latency SECONDS postgres`.

let arguments = Array(CommandLine.arguments.dropFirst())
/// The `k`th number after the command, or `otherwise`.
func number(_ k: Int, otherwise: Int) -> Int { arguments.dropFirst(k).first.flatMap(Int.init) ?? otherwise }
switch arguments.first {
case "ingest": try await Ingest.run(messages: number(1, otherwise: 20_000), readings: number(2, otherwise: 10))
case "offline": try await Ingest.offline(Ingest.payloads(number(1, otherwise: 20_000), readings: number(2, otherwise: 10)))
case "latency": try await Latency.run(seconds: number(1, otherwise: 30), postgres: arguments.dropFirst(2).first == "postgres")
default:
    FileHandle.standardError.write(
        Data("usage: CanaryLoad ingest [MESSAGES [READINGS]] | offline [MESSAGES [READINGS]] | latency [SECONDS [postgres]]\n".utf8))
    exit(2)
}

func temporaryDirectory(_ name: String) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("canary-\(name)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// One unlabelled sample of the collector's metrics, as a scraper reads it.
func sample(_ metrics: CollectorMetrics, _ name: String) -> Double {
    let line = metrics.exposition().split(separator: "\n").first { $0.hasPrefix(name + " ") }
    return line.flatMap { Double($0.split(separator: " ").last!) } ?? .nan
}

func connected(_ port: Int, _ id: String, cleanStart: Bool = false) async throws -> MQTTClient {
    var c = MQTTConfiguration(host: "127.0.0.1", port: port, clientID: id)
    c.cleanStart = cleanStart
    let client = try MQTTClient(c)
    try client.start()
    guard await first(client.connectionEvents, within: 30, where: { $0 == .connected }) != nil else {
        throw SpawnError(message: "\(id) could not connect")
    }
    return client
}

enum Ingest {
    /// The same messages, queued by the broker for absent persistent sessions, then drained
    /// once by a discarding subscriber and once by the collector's ingest (validation,
    /// commit, acks) on each store: SQLite, PostgreSQL, and PostgreSQL with two collectors
    /// sharing the load (each session of the share group holds its half).
    static func run(messages count: Int, readings perMessage: Int) async throws {
        let broker = try Broker(extraConfig: "max_queued_messages 0\nmax_queued_bytes 0\n", logEveryPacket: false)
        let payloads = try payloads(count, readings: perMessage)
        let bytes = payloads.reduce(0) { $0 + $1.payload.count }
        print("messages: \(count) (1 in 10 an alarm, the rest telemetry of \(perMessage) readings), \(bytes / count) bytes each on average")

        // Register the persistent sessions, then leave.
        let shared = ["bench-pg-a", "bench-pg-b"]
        for id in ["bench-discard", "bench-sqlite", "bench-pg"] + shared {
            let c = try await connected(broker.port, id)
            for f in Topics.collectorSubscriptions(shareGroup: shared.contains(id) ? "bench" : nil) { try await c.subscribe(f) }
            await c.stop()
        }
        let publisher = try await connected(broker.port, "bench-publisher", cleanStart: true)
        for start in stride(from: 0, to: count, by: 1_000) {
            let failures = await publisher.publishAll(Array(payloads[start..<min(start + 1_000, count)])).compactMap { $0 }
            guard failures.isEmpty else { throw SpawnError(message: "publish: \(failures[0])") }
        }
        await publisher.stop()

        // A subscriber that discards.
        let clock = ContinuousClock()
        let begin = clock.now
        let discard = try await connected(broker.port, "bench-discard")
        var received = 0
        for await _ in discard.messages {
            received += 1
            if received == count { break }
        }
        let discardTime = clock.now - begin
        await discard.stop()
        let alarms = (count + 9) / 10, readings = (count - alarms) * perMessage
        func rates(_ name: String, _ time: Duration, _ commits: Double? = nil) -> String {
            String(
                format: "%@ %6.0f messages/s, %7.0f readings/s (%.2f s)%@", name.padding(toLength: 44, withPad: " ", startingAt: 0),
                Double(count) / time.seconds, Double(readings) / time.seconds, time.seconds,
                commits.map { String(format: ", %.0f commits, acks included", $0) } ?? "")
        }
        print(rates("discarding subscriber:", discardTime))

        let dir = try temporaryDirectory("ingest")
        defer { try? FileManager.default.removeItem(at: dir) }
        let sqlite = try SQLiteStore(path: dir.appendingPathComponent("collector.sqlite").path)
        let (sqliteTime, sqliteCommits) = try await drain(
            [sqlite], clientIDs: ["bench-sqlite"], port: broker.port, count: count, alarms: alarms, readings: readings)
        print(rates("collector ingest, SQLite:", sqliteTime, sqliteCommits))

        let postgres = try PostgresServer()
        for (label, ids) in [("PostgreSQL:", ["bench-pg"]), ("PostgreSQL, two collectors:", shared)] {
            let url = try postgres.freshDatabase()
            let stores = try ids.map { _ in try PostgresStore(url: url, pool: 4, keepTelemetryMonths: nil, logger: quiet) }
            let (time, commits) = try await drain(
                stores, clientIDs: ids, shareGroup: ids.count > 1 ? "bench" : nil, port: broker.port, count: count, alarms: alarms,
                readings: readings)
            print(rates("collector ingest, \(label)", time, commits))
        }
        print(String(format: "SQLite ingest / discarding subscriber: %.1f %% (target ≥ 80 %%)", 100 * discardTime.seconds / sqliteTime.seconds))
    }

    static var quiet: Logger {
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        return logger
    }

    /// Runs one collector's ingest per store (their MQTT sessions `clientIDs`) until every
    /// message is acknowledged, and checks that every one is stored once; how long it took and
    /// how many commits.
    static func drain(
        _ stores: [any CollectorStore], clientIDs: [String], shareGroup: String? = nil, port: Int, count: Int, alarms: Int, readings: Int
    ) async throws -> (Duration, Double) {
        for s in stores { try await s.beforeServices { _ in } }
        let clock = ContinuousClock()
        let begin = clock.now
        var services: [any Service] = [], metrics: [CollectorMetrics] = []
        for (store, id) in zip(stores, clientIDs) {
            let m = CollectorMetrics()
            var settings = CollectorCore.Ingest.Settings()
            settings.shareGroup = shareGroup
            let client = try MQTTClient(MQTTConfiguration(host: "127.0.0.1", port: port, clientID: id))
            services += store.services + CollectorCore.Ingest(store: store, client: client, metrics: m, settings: settings, logger: quiet).services
            metrics.append(m)
        }
        let group = ServiceGroup(services: services, logger: quiet)
        var time = Duration.zero
        try await withThrowingDiscardingTaskGroup { tasks in
            tasks.addTask { try await group.run() }
            // Every 10 ms: the whole exposition is rendered to read one counter.
            while metrics.reduce(0, { $0 + sample($1, "canary_collector_acknowledged_ids_total") }) < Double(count) {
                try await Task.sleep(for: .milliseconds(10))
            }
            time = clock.now - begin
            let stored = try await stores[0].counts()
            guard stored.events == alarms, stored.readings == readings else {
                throw SpawnError(message: "stored \(stored), expected \(alarms) alarms and \(readings) readings")
            }
            await group.triggerGracefulShutdown()
        }
        return (time, metrics.reduce(0) { $0 + sample($1, "canary_collector_commits_total") })
    }
}

extension Ingest {
    /// 1 in 10 an SOS alarm, the rest telemetry batches of `readings` gas readings, from 200 workers.
    static func payloads(_ count: Int, readings perMessage: Int = 10) throws -> [(topic: String, payload: [UInt8])] {
        let topics = try Topics(site: "bench", gateway: "gw-1")
        return (0..<count).map { k -> (topic: String, payload: [UInt8]) in
            let t = Int64(1_767_254_400_000) + Int64(k) * 10
            if k % 10 == 0 {
                let e = SafetyEvent(worker: "w\(k % 200)", type: .sos, phase: .alarm, severity: .critical, timeMs: t)
                return (topics.events, [UInt8](CloudEvent(e, topics: topics).json()))
            }
            let readings = (0..<perMessage).map {
                TelemetryBatch.Reading(
                    worker: "w\((k + $0) % 200)", device: "C0:FF:EE:00:00:\($0)", kind: "gas", time_ms: t,
                    values: ["o2": 20.9, "co": 1, "h2s": 0.2, "lel": 0, "battery": 80, "motion_g": 0.05])
            }
            let e = CloudEvent(
                id: "\(t)-telemetry-\(k)", source: topics.source, type: EventTypes.telemetry, timeMs: t,
                data: TelemetryBatch(readings: readings))
            return (topics.telemetry, [UInt8](e.json()))
        }
    }

    /// Where the ingest's time goes, without MQTT: validation alone, then
    /// storing alone in transactions of 2,000 messages; best of 5 passes.
    static func offline(_ payloads: [(topic: String, payload: [UInt8])]) async throws {
        let topics = try Topics(site: "bench", gateway: "gw-1")
        let clock = ContinuousClock()
        var decodeTimes: [Duration] = [], storeTimes: [Duration] = []
        for _ in 0..<5 {
            var decoded: [ReceivedMessage] = []
            decoded.reserveCapacity(payloads.count)
            decodeTimes.append(
                try clock.measure {
                    for p in payloads {
                        decoded.append(
                            ReceivedMessage(
                                topics: topics, message: try IncomingMessage.decode(topic: p.topic, payload: p.payload),
                                raw: p.payload))
                    }
                })
            let dir = try temporaryDirectory("store")
            defer { try? FileManager.default.removeItem(at: dir) }
            let store = try SQLiteStore(path: dir.appendingPathComponent("collector.sqlite").path)
            storeTimes.append(
                try await clock.measure {
                    for start in stride(from: 0, to: decoded.count, by: 2_000) {
                        _ = try await store.commit(Array(decoded[start..<min(start + 2_000, decoded.count)]), receivedMs: 0)
                    }
                })
        }
        func perMessage(_ d: Duration) -> Double { d.seconds * 1e6 / Double(payloads.count) }
        print(
            String(
                format: "without MQTT (best of 5): validation %.1f µs/message, storing %.1f µs/message (transactions of 2000)",
                perMessage(decodeTimes.min()!), perMessage(storeTimes.min()!)))
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
