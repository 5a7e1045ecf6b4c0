import EdgeCore
import Foundation
import GRDB
import LocalServices
import MQTT
import RiskCore
import TestSupport
import Testing
import Wire

/// The agent's uplink against a real mosquitto and a real SQLite outbox.
@Suite(.serialized) struct UplinkTests {
    let topics = try! Topics(site: "tank-farm-3", gateway: "gw-1")

    func connectedClient(_ broker: Broker, _ id: String) async throws -> MQTTClient {
        let c = try MQTTClient(MQTTConfiguration(host: "127.0.0.1", port: broker.port, clientID: "\(id)-\(broker.port)"))
        try c.start()
        #expect(await first(c.connectionEvents, within: 60) { $0 == .connected } == .connected)
        return c
    }

    func outboxPath() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("canary-uplink-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("outbox.sqlite").path
    }

    @Test func eventsReachTheBrokerAndLeaveTheOutboxOnlyWhenAcknowledged() async throws {
        let broker = try Broker()
        let collector = try await connectedClient(broker, "collector")
        try await collector.subscribe("canary/v1/+/+/events")
        let agent = try await connectedClient(broker, "gw-1")
        try await agent.subscribe(topics.ack)
        let uplink = Uplink(outbox: try Outbox(path: outboxPath()), client: agent, topics: topics)

        let events = [
            SafetyEvent(worker: "lin", type: .fall, phase: .preAlarm, severity: .alarm, timeMs: 1_000),
            SafetyEvent(worker: "wang", type: .sos, phase: .alarm, severity: .critical, timeMs: 2_000),
        ]
        try uplink.enqueue(events, nowMs: 2_000)
        #expect(try await uplink.publishDue(nowMs: 2_000) == 2)
        #expect(try await uplink.publishDue(nowMs: 2_001) == 0, "not again before an ack or the resend time")

        var received: [CloudEvent<AlarmData>] = []
        for await m in collector.messages {
            let message = try IncomingMessage.decode(topic: m.topic, payload: Data(m.payload))
            guard case .alarm(let e) = message else { continue }
            received.append(e)
            if received.count == 2 { break }
        }
        #expect(received.map(\.id) == events.map(\.id))
        #expect(received.map(\.type) == ["tw.canary.alarm.fall", "tw.canary.alarm.sos"])
        #expect(try await uplink.outbox.stats().alarms == 2, "a PUBACK is not an end-to-end ack")

        // The collector acknowledges what it stored.
        let ack = CloudEvent(
            id: "ack-1", source: "canary-collector", type: EventTypes.ack, timeMs: 3_000,
            data: Ack(ids: events.map(\.id)))
        try await collector.publish(topic: topics.ack, payload: [UInt8](ack.json()))
        let ackMessage = await first(agent.messages, within: 60) { $0.topic == topics.ack }
        try await uplink.handleAck(try #require(ackMessage).payload)
        #expect(try await uplink.outbox.stats().alarms == 0)
        #expect(await uplink.acknowledged == 2)
        try await uplink.handleAck(Array("garbage".utf8))
        #expect(await uplink.refusedAcks == 1)
        await agent.stop()
        await collector.stop()
    }

    /// A raised alarm is on its way before its outbox write is on disk, and
    /// still in the outbox, sent once, until acknowledged.
    @Test func aRaisedAlarmIsPublishedAtOnceAndKeptUntilAcknowledged() async throws {
        let broker = try Broker()
        let collector = try await connectedClient(broker, "collector")
        try await collector.subscribe("canary/v1/+/+/events")
        let agent = try await connectedClient(broker, "gw-1")
        let uplink = Uplink(outbox: try Outbox(path: outboxPath()), client: agent, topics: topics)
        let sos = SafetyEvent(worker: "wang", type: .sos, phase: .alarm, severity: .critical, timeMs: 2_000)
        try uplink.raise([sos], nowMs: 2_000)
        #expect(try await uplink.outbox.stats().alarms == 1)
        let arrived = await first(collector.messages, within: 60) { $0.topic == topics.events }
        let message = try IncomingMessage.decode(topic: topics.events, payload: try #require(arrived).payload)
        guard case .alarm(let e) = message else {
            Issue.record("not an alarm: \(message)")
            return
        }
        #expect(e.id == sos.id)
        #expect(try await uplink.publishDue(nowMs: 2_001) == 0, "in flight already: not sent twice")
        #expect(try await uplink.outbox.stats().alarms == 1, "kept until the collector acknowledges it")
        await agent.stop()
        await collector.stop()
    }

    /// With the collector away and the broker up, nothing is acknowledged and
    /// the outbox drops its oldest telemetry to stay within its bounds: the
    /// uplink forgets the dropped ids, so what it remembers is bounded by the
    /// outbox, not one id more per dropped message.
    @Test func withNoAcksTheInFlightBookkeepingStaysBounded() async throws {
        let broker = try Broker()
        let agent = try await connectedClient(broker, "gw-1")
        let outbox = try Outbox(path: outboxPath(), limits: .init(maxBytes: 4_000))
        let uplink = Uplink(outbox: outbox, client: agent, topics: topics, resendAfterMs: 30_000, maxTelemetryWaitMs: 600_000)
        for k in 0..<40 {
            let t = Int64(k) * 10_000
            try uplink.enqueue(readings: [reading(at: t)], nowMs: t)
            #expect(try await uplink.publishDue(nowMs: t) >= 1, "the new message goes out")
        }
        let stats = try outbox.stats()
        #expect(stats.droppedTelemetry >= 20)
        // Every wait over: the dropped ids are forgotten, what the outbox holds goes again.
        #expect(try await uplink.publishDue(nowMs: 400_000 + 2 * 600_000) == stats.telemetry)
        #expect(uplink.inFlight == stats.telemetry, "not all 40 ever sent")
        await agent.stop()
    }

    /// Unacknowledged telemetry waits twice as long with every resend, up to
    /// the maximum; alarms go again every `resendAfterMs`.
    @Test func telemetryResendsBackOffAlarmsDoNot() async throws {
        let broker = try Broker()
        let agent = try await connectedClient(broker, "gw-1")
        let uplink = Uplink(
            outbox: try Outbox(path: outboxPath()), client: agent, topics: topics,
            resendAfterMs: 30_000, maxTelemetryWaitMs: 120_000)
        try uplink.enqueue([SafetyEvent(worker: "wang", type: .sos, phase: .alarm, severity: .critical, timeMs: 0)], nowMs: 0)
        try uplink.enqueue(readings: [reading(at: 0)], nowMs: 0)
        var sends: [Int64: Int] = [:]
        for t in stride(from: Int64(0), through: 480_000, by: 1_000) {
            let n = try await uplink.publishDue(nowMs: t)
            if n > 0 { sends[t] = n }
        }
        // Telemetry at 0, then after 30, 60, 120, 120 s; the alarm every 30 s.
        let telemetry: Set<Int64> = [0, 30_000, 90_000, 210_000, 330_000, 450_000]
        for t in stride(from: Int64(0), through: 480_000, by: 30_000) {
            #expect(sends[t] == (telemetry.contains(t) ? 2 : 1), "at \(t) ms")
        }
        #expect(sends.count == 17, "nothing between the due times")
        await agent.stop()
    }

    func reading(at t: Int64) -> TelemetryBatch.Reading {
        TelemetryBatch.Reading(worker: "lin", device: "C0:FF:EE:00:00:01", kind: "gas", time_ms: t, values: ["o2": 20.9, "h2s": 0.2])
    }

    /// An outbox that refuses writes (a full disk, say; here a trigger that
    /// aborts every insert, made by another connection to the real file):
    /// the alarm still goes out, is held in memory and sent again until
    /// acknowledged, and lands in the outbox once it takes writes again.
    @Test func anAlarmTheOutboxCannotTakeIsHeldAndSentAllTheSame() async throws {
        let broker = try Broker()
        let collector = try await connectedClient(broker, "collector")
        try await collector.subscribe("canary/v1/+/+/events")
        let agent = try await connectedClient(broker, "gw-1")
        let path = outboxPath()
        let outbox = try Outbox(path: path)
        let uplink = Uplink(outbox: outbox, client: agent, topics: topics, resendAfterMs: 30_000)
        let other = try DatabaseQueue(path: path)
        try await other.write { try $0.execute(sql: "CREATE TRIGGER refuse BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'full'); END") }

        let sos = SafetyEvent(worker: "wang", type: .sos, phase: .alarm, severity: .critical, timeMs: 2_000)
        #expect(throws: (any Error).self) { try uplink.raise([sos], nowMs: 2_000) }
        #expect(uplink.heldAlarms == 1)
        #expect(try outbox.stats().alarms == 0)
        func arrives() async -> Bool { await first(collector.messages, within: 60) { $0.topic == topics.events } != nil }
        #expect(await arrives(), "sent at once")
        #expect(try await uplink.publishDue(nowMs: 2_001) == 0, "in flight")
        #expect(try await uplink.publishDue(nowMs: 32_000) == 1, "sent again from memory")
        #expect(await arrives())

        try await other.write { try $0.execute(sql: "DROP TRIGGER refuse") }
        #expect(try await uplink.publishDue(nowMs: 33_000) == 0, "written to the outbox, still in flight")
        #expect(uplink.heldAlarms == 0)
        #expect(try outbox.stats().alarms == 1)
        let ack = CloudEvent(id: "ack-1", source: "canary-collector", type: EventTypes.ack, timeMs: 34_000, data: Ack(ids: [sos.id]))
        try await uplink.handleAck([UInt8](ack.json()))
        #expect(try outbox.stats().alarms == 0)
        #expect(await uplink.acknowledged == 1)
        await agent.stop()
        await collector.stop()
    }

    @Test func withTheBrokerDownNothingIsLostAndItAllGoesOnReconnect() async throws {
        let broker = try Broker()
        let agent = try await connectedClient(broker, "gw-1")
        let uplink = Uplink(outbox: try Outbox(path: outboxPath()), client: agent, topics: topics)
        broker.stop()
        _ = await first(agent.connectionEvents, within: 60) { if case .disconnected = $0 { true } else { false } }
        try uplink.enqueue(
            [
                SafetyEvent(
                    worker: "chen", type: .gas, condition: "H2S.high", phase: .alarm,
                    severity: .alarm, timeMs: 5_000)
            ], nowMs: 5_000)
        #expect(try await uplink.publishDue(nowMs: 5_000) == 0)
        #expect(try await uplink.outbox.stats().alarms == 1)

        try broker.start()
        #expect(await first(agent.connectionEvents, within: 60) { $0 == .connected } == .connected)
        let collector = try await connectedClient(broker, "collector")
        try await collector.subscribe("canary/v1/+/+/events")
        await uplink.connectionRestored()
        #expect(try await uplink.publishDue(nowMs: 6_000) == 1)
        #expect(await first(collector.messages, within: 60) { $0.topic == topics.events } != nil)
        await agent.stop()
        await collector.stop()
    }
}
