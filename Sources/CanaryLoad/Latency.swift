import DaemonSupport
import DeviceFormats
import EdgeCore
import Foundation
import LocalServices
import Logging
import MQTT
import Synchronization
import Wire

/// Alarm latency through the real agent daemon, mosquitto and the real
/// collector process: from the moment an SOS frame's bytes enter the agent
/// (yielded by its BLE source) to the moment the SSE event for it reaches a
/// client of the collector's feed, on loopback, while 1,000 workers' gas
/// detectors send a frame each per second (1,000 telemetry readings/s).
enum Latency {
    static let workers = 1_000
    static let sosPerSecond = 20

    static func address(_ k: Int) -> [UInt8] { [0xC0, 0xFF, 0xEE, UInt8(k >> 8), UInt8(k & 0xFF), 0x01] }

    static func gasFrame(_ k: Int, sos: Bool, sequence: UInt8, atMs t: Int64) -> BLEFrame {
        let status = CanaryProfile.GasStatus(
            sequence: sequence, o2: 20.9, co: 1, h2s: 0.1, lel: 0, battery: 90,
            flags: sos ? [.sos] : [], motionG: 0.2)
        let data = AdvertisingDataBuilder.flags + AdvertisingDataBuilder.manufacturer(0xFFFF, status.encodeAdvertisement())
        return BLEFrame(timeMs: t, address: address(k), rssi: -60, payload: .advertisement(data))
    }

    /// Frames paced by the wall clock, in 10-ms slots: each worker's gas frame
    /// once a second, and from the third second an SOS press by the next worker
    /// every 1/`sosPerSecond` s. Records when each SOS frame is handed to the agent.
    final class SendTimes: Sendable {
        let times = Mutex<[String: ContinuousClock.Instant]>([:])
        func record(_ worker: String, _ t: ContinuousClock.Instant) { times.withLock { $0[worker] = t } }
        func time(of worker: String) -> ContinuousClock.Instant? { times.withLock { $0[worker] } }
    }

    struct Source: BLESource {
        let seconds: Int
        let sentAt: SendTimes

        func frames() -> AsyncStream<BLEFrame> {
            let seconds = self.seconds
            return AsyncStream(bufferingPolicy: .unbounded) { continuation in
                let task = Task {
                    let clock = ContinuousClock(), start = clock.now
                    let wallStart = Int64(Date().timeIntervalSince1970 * 1000)
                    var sequence: UInt8 = 0, nextSOS = 0
                    for slot in 0..<(seconds * 100) {
                        try? await clock.sleep(until: start + .milliseconds(slot * 10))
                        let t = wallStart + Int64(slot * 10)
                        sequence &+= 1
                        // Ten workers a slot: each once a second.
                        for k in (slot % 100) * 10..<(slot % 100) * 10 + 10 {
                            continuation.yield(gasFrame(k, sos: false, sequence: sequence, atMs: t))
                        }
                        if slot >= 300, slot % (100 / sosPerSecond) == 0, nextSOS < workers {
                            let k = nextSOS
                            nextSOS += 1
                            sentAt.record("w\(k)", clock.now)
                            continuation.yield(gasFrame(k, sos: true, sequence: sequence, atMs: t))
                        }
                    }
                    continuation.finish()
                }
                continuation.onTermination = { _ in task.cancel() }
            }
        }
    }

    /// `postgres`: the collector stores in a PostgreSQL cluster of the benchmark's own.
    static func run(seconds: Int, postgres: Bool) async throws {
        let dir = try temporaryDirectory("latency")
        let broker = try Broker(logEveryPacket: false)
        let server = postgres ? try PostgresServer() : nil
        let storage =
            try server.map { "{postgres: {url: \"\(try $0.freshDatabase())\"}}" }
            ?? "{sqlite: \(dir.appendingPathComponent("collector.sqlite").path)}"
        print("storage: \(postgres ? "PostgreSQL" : "SQLite")")
        try """
        mqtt: {port: \(broker.port)}
        storage: \(storage)
        http: {port: 0}
        log_level: warning
        tokens: [{name: bench, token_sha256: 9cd45473cca2d3baeb275ae25df73ddd512fb98b90d0a696b04b13f5e354b11f, roles: [coordinator]}]
        """.write(toFile: dir.appendingPathComponent("collector.yaml").path, atomically: true, encoding: .utf8)
        let collector = try Daemon("canary-collector", ["--config", dir.appendingPathComponent("collector.yaml").path], in: dir)
        let port = try await collector.collectorAPIPort(within: 60)
        let feed = try await APIClient.EventStream(port: port, "/api/v1/alerts/stream", headers: ["Authorization": "Bearer night-token"])
        // A second subscriber on the broker splits the latency into agent → broker and broker → feed.
        let tap = try await connected(broker.port, "bench-tap", cleanStart: true)
        try await tap.subscribe("canary/v1/bench/gw-1/events")
        let atBroker = SendTimes()
        let tapTask = Task {
            for await m in tap.messages {
                let now = ContinuousClock.now
                if let o = try? JSONSerialization.jsonObject(with: Data(m.payload)) as? [String: Any],
                    o["type"] as? String == "tw.canary.alarm.sos", let w = o["subject"] as? String
                {
                    atBroker.record(w, now)
                }
            }
        }

        var directory = SiteDirectory(site: "bench")
        for k in 0..<workers { directory.bind(address(k), worker: "w\(k)", role: .gasDetector) }
        let topics = try Topics(site: "bench", gateway: "gw-1")
        let config = AgentConfig(
            topics: topics, mqtt: MQTTConfiguration(host: "127.0.0.1", port: broker.port, clientID: "bench-agent"),
            outboxPath: dir.appendingPathComponent("outbox.sqlite").path, source: .btsnoop(""),
            directory: directory)
        let source = Source(seconds: seconds, sentAt: SendTimes())
        var logger = Logger(label: "bench-agent")
        logger.logLevel = .warning
        let agent = AgentDaemon(config: config, logger: logger, source: source)
        let agentTask = Task { try await agent.run() }

        let clock = ContinuousClock()
        var latencies: [Double] = [], agentPart: [Double] = []
        let expected = min(workers, max(0, (seconds - 3) * sosPerSecond))
        for await event in feed.events where event.event == "alert" {
            let arrived = clock.now
            guard let o = try? JSONSerialization.jsonObject(with: Data(event.data.utf8)) as? [String: Any],
                o["kind"] as? String == "sos", let worker = o["worker"] as? String,
                let sent = source.sentAt.time(of: worker)
            else { continue }
            latencies.append((arrived - sent).seconds * 1000)
            if let b = atBroker.time(of: worker) { agentPart.append((b - sent).seconds * 1000) }
            if latencies.count == expected { break }
        }
        feed.close()
        try await agentTask.value
        let readings = try await APIClient.metric(port: port, "canary_collector_stored_total{kind=\"reading\"}")
        await tap.stop()
        tapTask.cancel()
        latencies.sort()
        agentPart.sort()
        func p(_ q: Double, _ v: [Double] = latencies) -> Double { v.isEmpty ? .nan : v[min(v.count - 1, Int(Double(v.count) * q))] }
        print(
            "alarms measured: \(latencies.count) SOS presses over \(seconds - 3) s, \(workers) gas detectors at 1 Hz "
                + "(\(Int(readings)) readings stored, \(Int(readings) / seconds)/s)")
        print(
            String(format: "latency ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f  (target p99 ≤ 20)", p(0.5), p(0.9), p(0.99), latencies.last ?? .nan))
        print(String(format: "of which device bytes → a subscriber on the broker: p50 %.2f  p99 %.2f", p(0.5, agentPart), p(0.99, agentPart)))
        collector.kill(SIGTERM)
        _ = await collector.exitCode(within: 10)
        try? FileManager.default.removeItem(at: dir)
    }
}
