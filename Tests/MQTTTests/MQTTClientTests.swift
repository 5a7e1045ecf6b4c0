import Foundation
import LocalServices
import TestSupport
import Testing

@testable import MQTT

/// Against a real mosquitto (Debian's package), started per test.
@Suite(.serialized) struct MQTTClientTests {
    func client(_ broker: Broker, _ id: String) throws -> MQTTClient {
        var c = MQTTConfiguration(host: "127.0.0.1", port: broker.port, clientID: "\(id)-\(broker.port)")
        c.reconnectDelayMin = 1
        c.reconnectDelayMax = 2
        return try MQTTClient(c)
    }

    /// A subscriber to `canary/v1/#` and a publisher, both connected.
    func subscriberAndPublisher(_ broker: Broker, _ id: String) async throws -> (MQTTClient, MQTTClient) {
        let subscriber = try client(broker, id)
        try subscriber.start()
        #expect(await first(subscriber.connectionEvents, within: 60) { $0 == .connected } == .connected)
        try await subscriber.subscribe("canary/v1/#")
        let publisher = try client(broker, "\(id)-publisher")
        try publisher.start()
        #expect(await first(publisher.connectionEvents, within: 60) { $0 == .connected } == .connected)
        return (subscriber, publisher)
    }

    /// Telemetry messages whose payload is their number `k`, 4 bytes big-endian.
    func numbered(_ ks: Range<Int>) -> [(topic: String, payload: [UInt8])] {
        ks.map { k in (topic: "canary/v1/s/g/telemetry", payload: withUnsafeBytes(of: UInt32(k).bigEndian) { Array($0) }) }
    }

    @Test func publishWaitsForTheBrokerAndTheSubscriberGetsIt() async throws {
        let broker = try Broker()
        let (subscriber, publisher) = try await subscriberAndPublisher(broker, "sub")
        // The subscription is in place once a retained probe comes back.
        try await publisher.publish(topic: "canary/v1/probe", payload: [1], retain: true)
        #expect(await first(subscriber.messages, within: 60) { $0.topic == "canary/v1/probe" } != nil)

        let payload = Array("{\"hello\":1}".utf8)
        for k in 0..<100 {
            try await publisher.publish(topic: "canary/v1/s/g/events", payload: payload + [UInt8(k)])
        }
        var got: [UInt8] = []
        for await m in subscriber.messages where m.topic == "canary/v1/s/g/events" {
            got.append(m.payload.last!)
            if got.count == 100 { break }
        }
        #expect(got == Array(0..<100), "in order, each once")
        await publisher.stop()
        await subscriber.stop()
    }

    @Test func aClientReconnectsAfterTheBrokerRestarts() async throws {
        let broker = try Broker()
        let c = try client(broker, "agent")
        try c.start()
        #expect(await first(c.connectionEvents, within: 60) { $0 == .connected } == .connected)
        broker.stop()
        let lost = await first(c.connectionEvents, within: 60) { if case .disconnected = $0 { true } else { false } }
        #expect(lost != nil && lost != .disconnected(reasonCode: 0))
        await #expect(throws: MQTTError.self) { try await c.publish(topic: "canary/v1/x", payload: [1]) }
        try broker.start()
        #expect(await first(c.connectionEvents, within: 60) { $0 == .connected } == .connected)
        try await c.publish(topic: "canary/v1/x", payload: [2])
        await c.stop()
    }

    /// MQTT 5 keeps a session past the disconnect only with a session expiry
    /// interval: what was published while the subscriber was away arrives when it comes back.
    @Test func aPersistentSessionKeepsMessagesWhileTheSubscriberIsAway() async throws {
        let broker = try Broker()
        var away = try client(broker, "collector")
        try away.start()
        #expect(await first(away.connectionEvents, within: 60) { $0 == .connected } == .connected)
        try await away.subscribe("canary/v1/+/+/events")
        await away.stop()

        let publisher = try client(broker, "gateway")
        try publisher.start()
        #expect(await first(publisher.connectionEvents, within: 60) { $0 == .connected } == .connected)
        for k in 0..<5 { try await publisher.publish(topic: "canary/v1/s/g/events", payload: [UInt8(k)]) }
        await publisher.stop()

        away = try client(broker, "collector")
        try away.start()
        var got: [UInt8] = []
        for await m in away.messages {
            got += m.payload
            if got.count == 5 { break }
        }
        #expect(got == [0, 1, 2, 3, 4])
        await away.stop()
    }

    @Test func stopBeforeTheBrokerWasEverReachedReturns() async throws {
        var c = MQTTConfiguration(host: "127.0.0.1", port: 1, clientID: "nobody")
        c.reconnectDelayMin = 1
        let client = try MQTTClient(c)
        try client.start()
        let failed = await first(client.connectionEvents, within: 60) { if case .connectFailed = $0 { true } else { false } }
        #expect(failed != nil)
        await client.stop()
    }

    /// A consumer that falls behind holds libmosquitto back (no PUBACK, the
    /// broker keeps the rest): everything arrives, in order, nothing dropped.
    @Test func aSlowConsumerGetsBackpressureNotLoss() async throws {
        let broker = try Broker(extraConfig: "max_queued_messages 0\n")
        let (slow, publisher) = try await subscriberAndPublisher(broker, "slow")
        let count = MQTTClient.receiveCapacity + 5_000
        for start in stride(from: 0, to: count, by: 1_000) {
            #expect(await publisher.publishAll(numbered(start..<min(start + 1_000, count))).allSatisfy { $0 == nil })
        }
        // Nobody reads yet: the network thread fills the inbox to its capacity and waits there.
        let deadline = ContinuousClock.now + .seconds(60)
        while !slow.messages.inbox.backlog.producerWaits, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(slow.messages.inbox.backlog == (MQTTClient.receiveCapacity, true))
        var next: UInt32 = 0
        for await m in slow.messages {
            #expect(m.payload == withUnsafeBytes(of: next.bigEndian) { Array($0) })
            next += 1
            if next == UInt32(count) { break }
        }
        #expect(next == UInt32(count))
        await publisher.stop()
        await slow.stop()
    }

    /// `batches` hands over everything waiting at once, in order; a consumer
    /// that stops, or whose task is cancelled, leaves the rest for the next.
    @Test func batchesTakeWhatWaitsAndConsumersTakeTurns() async throws {
        let broker = try Broker(extraConfig: "max_queued_messages 0\n")
        let (subscriber, publisher) = try await subscriberAndPublisher(broker, "batches")
        func number(_ m: MQTTMessage) -> UInt32 { m.payload.reduce(0) { $0 << 8 | UInt32($1) } }
        let count = 3_000
        #expect(await publisher.publishAll(numbered(0..<count)).allSatisfy { $0 == nil })

        var got: [UInt32] = []
        for await m in subscriber.messages {
            got.append(number(m))
            if got.count == 10 { break }
        }
        var batches = 0
        for await batch in subscriber.messages.batches {
            got += batch.map(number)
            batches += 1
            if got.count >= count { break }
        }
        #expect(got == (0..<UInt32(count)).map { $0 }, "each once, in order")
        #expect(batches < count - 10, "several messages per batch")

        // Nothing waits: a consumer whose task is cancelled ends, and the next gets what comes.
        #expect(await first(subscriber.messages, within: 1) { _ in true } == nil)
        try await publisher.publish(topic: "canary/v1/s/g/events", payload: [7])
        #expect(await first(subscriber.messages.batches, within: 60) { _ in true }?.map(\.payload) == [[7]])
        await publisher.stop()
        await subscriber.stop()
    }

    /// `send` returns without waiting for the broker; what it sends arrives,
    /// in order with what is published and awaited after it.
    @Test func sentMessagesArriveWithoutAWaiter() async throws {
        let broker = try Broker()
        let (subscriber, publisher) = try await subscriberAndPublisher(broker, "sent")
        for m in numbered(0..<50) { try publisher.send(topic: m.topic, payload: m.payload) }
        try await publisher.publish(topic: numbered(50..<51)[0].topic, payload: numbered(50..<51)[0].payload)
        var got: [[UInt8]] = []
        for await m in subscriber.messages {
            got.append(m.payload)
            if got.count == 51 { break }
        }
        #expect(got == numbered(0..<51).map(\.payload))
        await publisher.stop()
        await subscriber.stop()
    }
}
