import Foundation
import MQTT
import RiskCore
import Synchronization
import Wire

/// Moves events from the outbox to the broker and takes them out of the
/// outbox when the collector acknowledges them.
///
/// An entry is published (QoS 1, alarms first) and then left alone until the
/// collector's ack arrives on `.../ack`, the connection is re-established
/// (everything unacknowledged goes again), or its wait is over: for alarms
/// always `resendAfterMs`; for telemetry twice as long with every resend, up
/// to `maxTelemetryWaitMs`. Resends are safe: the collector stores each
/// `source` + `id` once and acks again. They cover a message the collector
/// received but could not store; while it is away, the broker queues the
/// copies for it, and telemetry resent every 30 s for hours would fill that
/// queue (mosquitto's `max_queued_messages`), after which the broker drops
/// the new alarms queued for the collector too.
public actor Uplink {
    public let outbox: Outbox
    public let client: MQTTClient
    public let topics: Topics
    public let resendAfterMs: Int64
    public let maxTelemetryWaitMs: Int64

    /// An entry in flight: when it is due again, and the wait before that.
    private struct Sent {
        var dueMs: Int64
        var waitMs: Int64
    }

    /// The entries in flight. Not actor state: `raise` marks an alarm from
    /// the detection loop, without waiting for the actor. An entry is
    /// forgotten a whole wait after it fell due without being sent again
    /// (dropped by the outbox to stay within its bounds, or outside the
    /// publishing window), so ids that no ack will ever name do not pile up
    /// here, however long the collector is away.
    private let sent = Mutex<[String: Sent]>([:])
    /// Alarms the outbox could not take (a full disk, say): kept here, sent
    /// like outbox entries until acknowledged, and written to the outbox as
    /// soon as it takes them. Lost only if the agent dies too.
    private let held = Mutex<[Outbox.Entry]>([])
    public private(set) var acknowledged = 0
    public private(set) var refusedAcks = 0

    public init(
        outbox: Outbox, client: MQTTClient, topics: Topics, resendAfterMs: Int64 = 30_000,
        maxTelemetryWaitMs: Int64 = 600_000
    ) {
        self.outbox = outbox
        self.client = client
        self.topics = topics
        self.resendAfterMs = resendAfterMs
        self.maxTelemetryWaitMs = max(maxTelemetryWaitMs, resendAfterMs)
    }

    /// Writes RiskCore events to the outbox as CloudEvents: durable when this returns.
    /// Not isolated to the actor: writing never waits for a publish in progress.
    public nonisolated func enqueue(_ events: [SafetyEvent], nowMs: Int64) throws {
        guard !events.isEmpty else { return }
        try outbox.enqueue(entries(events), nowMs: nowMs)
    }

    /// Raises alarms: hands them to the MQTT client at once, then writes them
    /// to the outbox (durable when this returns). The publish waits neither
    /// for the disk, whose fsync was most of an alarm's time in the agent,
    /// nor for a thread to await the broker's PUBACK: the outbox keeps the
    /// alarm until the collector acknowledges it, and its publisher sends it
    /// again if the client could not take it, after a reconnect, or after
    /// `resendAfterMs`. (An ack that overtakes the outbox write leaves the
    /// entry to be sent once more, and the collector stores it once.) When
    /// the outbox cannot take them, this throws, and the alarms are held in
    /// memory and sent all the same (`heldAlarms`).
    public nonisolated func raise(_ events: [SafetyEvent], nowMs: Int64) throws {
        guard !events.isEmpty else { return }
        let entries = entries(events)
        for e in entries {
            sent.withLock { $0[e.id] = Sent(dueMs: nowMs + resendAfterMs, waitMs: resendAfterMs) }
            do {
                try client.send(topic: e.topic, payload: e.payload)
            } catch {
                sent.withLock { $0[e.id] = nil }
            }
        }
        do {
            try outbox.enqueue(entries, nowMs: nowMs)
        } catch {
            held.withLock { $0 += entries }
            throw error
        }
    }

    /// Alarms kept in memory because the outbox could not take them.
    public nonisolated var heldAlarms: Int { held.withLock { $0.count } }

    /// Writes the held alarms to the outbox if it takes them now; returns those it still cannot.
    private func writeHeldAlarms(nowMs: Int64) -> [Outbox.Entry] {
        let waiting = held.withLock { $0 }
        guard !waiting.isEmpty, (try? outbox.enqueue(waiting, nowMs: nowMs)) != nil else { return waiting }
        held.withLock { h in h.removeAll { e in waiting.contains { $0.id == e.id } } }
        return []
    }

    private nonisolated func entries(_ events: [SafetyEvent]) -> [Outbox.Entry] {
        events.map {
            let e = CloudEvent($0, topics: topics)
            return Outbox.Entry(id: e.id, topic: topics.events, payload: [UInt8](e.json()), isAlarm: true, createdMs: $0.timeMs)
        }
    }

    /// Publishes what is due, alarms first (held ones before the outbox's),
    /// in outbox order, all in flight at once. Entries are claimed before the first await, so overlapping calls
    /// never send one twice; a failed publish (the connection is down) leaves
    /// the entry due for the next try. `alarmsOnly`: for the alarms' own
    /// publisher, which never waits behind a batch of telemetry in flight.
    @discardableResult
    public func publishDue(nowMs: Int64, batch: Int = 500, alarmsOnly: Bool = false) async throws -> Int {
        let inFlight = sent.withLock { s in
            if s.values.contains(where: { nowMs >= $0.dueMs + $0.waitMs }) { s = s.filter { nowMs < $0.value.dueMs + $0.value.waitMs } }
            return s
        }
        let isDue = { (id: String) in inFlight[id].map { nowMs >= $0.dueMs } ?? true }
        let due = writeHeldAlarms(nowMs: nowMs).filter { isDue($0.id) } + (try outbox.pending(limit: batch, alarmsOnly: alarmsOnly, where: isDue))
        guard !due.isEmpty else { return 0 }
        sent.withLock { s in
            for e in due {
                let wait = e.isAlarm ? resendAfterMs : s[e.id].map { min($0.waitMs * 2, maxTelemetryWaitMs) } ?? resendAfterMs
                s[e.id] = Sent(dueMs: nowMs + wait, waitMs: wait)
            }
        }
        let results = await client.publishAll(due.map { ($0.topic, $0.payload) }, qos: .atLeastOnce)
        var published = 0
        for (e, error) in zip(due, results) {
            if error == nil { published += 1 } else { sent.withLock { $0[e.id] = nil } }
        }
        return published
    }

    /// Telemetry readings as CloudEvents of at most `perMessage` readings each, durable when this returns.
    public nonisolated func enqueue(readings: [TelemetryBatch.Reading], nowMs: Int64, perMessage: Int = 100) throws {
        guard !readings.isEmpty else { return }
        var entries: [Outbox.Entry] = []
        var start = readings.startIndex
        while start < readings.endIndex {
            let end = min(start + perMessage, readings.endIndex)
            let chunk = Array(readings[start..<end])
            // Time-ordered and unique per gateway, also across restarts.
            let id = "\(chunk[0].time_ms)-telemetry-\(String(UInt32.random(in: .min ... .max), radix: 16))"
            let e = CloudEvent(
                id: id, source: topics.source, type: EventTypes.telemetry, timeMs: chunk[0].time_ms,
                data: TelemetryBatch(readings: chunk))
            entries.append(
                Outbox.Entry(
                    id: id, topic: topics.telemetry, payload: [UInt8](e.json()), isAlarm: false,
                    createdMs: nowMs))
            start = end
        }
        try outbox.enqueue(entries, nowMs: nowMs)
    }

    /// Entries sent and not acknowledged yet, less those forgotten.
    public nonisolated var inFlight: Int { sent.withLock { $0.count } }

    /// After a reconnect, everything unacknowledged goes again.
    public func connectionRestored() { sent.withLock { $0.removeAll() } }

    /// An ack from the collector: those ids are committed, they leave the
    /// outbox. One that does not parse is counted (`refusedAcks`); throws
    /// when the outbox cannot remove them (they are then sent again, and the
    /// collector acknowledges the duplicates).
    public func handleAck(_ payload: [UInt8]) throws {
        guard let ack = try? JSONDecoder().decode(CloudEvent<Ack>.self, from: Data(payload)),
            ack.type == EventTypes.ack
        else {
            refusedAcks += 1
            return
        }
        let ids = Set(ack.data.ids)
        acknowledged += held.withLock { h in
            let before = h.count
            h.removeAll { ids.contains($0.id) }
            return before - h.count
        }
        acknowledged += try outbox.acknowledge(ids: ack.data.ids)
        sent.withLock { s in for id in ack.data.ids { s[id] = nil } }
    }
}
