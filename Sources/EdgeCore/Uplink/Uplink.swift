import Foundation
import MQTT
import RiskCore
import Wire

/// Moves events from the outbox to the broker and takes them out of the
/// outbox when the collector acknowledges them.
///
/// An entry is published (QoS 1, alarms first) and then left alone until the
/// collector's ack arrives on `.../ack`, the connection is re-established
/// (everything unacknowledged goes again), or `resendAfterMs` passes. Resends
/// are safe: the collector stores each `source` + `id` once and acks again.
public actor Uplink {
    public let outbox: Outbox
    public let client: MQTTClient
    public let topics: Topics
    public let resendAfterMs: Int64
    private var publishedAt: [String: Int64] = [:]
    public private(set) var acknowledged = 0
    public private(set) var refusedAcks = 0

    public init(outbox: Outbox, client: MQTTClient, topics: Topics, resendAfterMs: Int64 = 30_000) {
        self.outbox = outbox
        self.client = client
        self.topics = topics
        self.resendAfterMs = resendAfterMs
    }

    /// Writes RiskCore events to the outbox as CloudEvents: durable when this returns.
    public func enqueue(_ events: [SafetyEvent], nowMs: Int64) throws {
        guard !events.isEmpty else { return }
        try outbox.enqueue(events.map {
            let e = CloudEvent($0, topics: topics)
            return Outbox.Entry(id: e.id, topic: topics.events, payload: [UInt8](e.json()), isAlarm: true, createdMs: $0.timeMs)
        }, nowMs: nowMs)
    }

    /// Publishes what is due, alarms first. Stops at the first failure (the
    /// connection is down): the entries stay in the outbox for the next try.
    @discardableResult
    public func publishDue(nowMs: Int64, batch: Int = 500) async throws -> Int {
        var sent = 0
        for entry in try outbox.pending(limit: batch) {
            if let at = publishedAt[entry.id], nowMs - at < resendAfterMs { continue }
            do {
                try await client.publish(topic: entry.topic, payload: entry.payload, qos: .atLeastOnce)
            } catch {
                break
            }
            publishedAt[entry.id] = nowMs
            sent += 1
        }
        return sent
    }

    /// After a reconnect, everything unacknowledged goes again.
    public func connectionRestored() { publishedAt.removeAll() }

    /// An ack from the collector: those ids are committed, they leave the outbox.
    public func handleAck(_ payload: [UInt8]) {
        guard let ack = try? JSONDecoder().decode(CloudEvent<Ack>.self, from: Data(payload)),
              ack.type == EventTypes.ack else {
            refusedAcks += 1
            return
        }
        acknowledged += (try? outbox.acknowledge(ids: ack.data.ids)) ?? 0
        for id in ack.data.ids { publishedAt[id] = nil }
    }
}
