import DaemonSupport
import Foundation
import Logging
import MQTT
import Synchronization
import Wire

/// The collector's MQTT side: subscribe, validate, store in batches, and
/// acknowledge to each gateway what is committed.
///
/// Refused messages (bad JSON, unknown type, schema violations, oversized,
/// wrong topic) are counted by kind and logged with their topic; they are
/// neither stored nor acknowledged. A failed commit acknowledges nothing: the
/// gateways resend from their outboxes.
public final class Ingest: Sendable {
    public struct Settings: Sendable {
        /// Largest accepted message, bytes.
        public var messageLimit = IncomingMessage.defaultLimit
        /// Most messages taken from a stage's queue at once: for telemetry, a run
        /// of transactions closed by one fsync.
        public var maxBatch = 2_000
        /// Most telemetry readings in one transaction (a larger message alone):
        /// bounds how long an alarm can wait for the database's write lock.
        public var readingsPerCommit = 2_000
        /// MQTT 5 shared-subscription group, when several collectors split the load.
        public var shareGroup: String?
        /// How soon a gateway status the database refused is asked for again (`askForStatusesAgain`).
        public var statusRetry: Duration = .seconds(5)
        public init() {}
    }

    let store: EventStore
    let client: MQTTClient
    let metrics: MetricsRegistry
    let signal: ChangeSignal
    let settings: Settings
    let logger: Logger
    /// Whether the collector hears the broker and can store: what the API vouches for.
    public let status: StatusBoard
    /// Two lanes, so an alarm never waits behind a large telemetry batch being decoded.
    private let alarms = WorkQueue<MQTTMessage>(capacity: MQTTClient.receiveCapacity)
    private let telemetry = WorkQueue<MQTTMessage>(capacity: MQTTClient.receiveCapacity)
    /// Telemetry validated, waiting for its commit.
    private let validTelemetry = WorkQueue<ReceivedMessage>(capacity: MQTTClient.receiveCapacity)
    /// Where telemetry commits run (see `commitLoop`).
    private let committer = DispatchQueue(label: "canary.collector.telemetry-commit")
    /// A retry of the gateways' statuses is on its way.
    private let statusRetryPending = Atomic<Bool>(false)

    public init(store: EventStore, client: MQTTClient, metrics: MetricsRegistry, signal: ChangeSignal,
                settings: Settings = Settings(), logger: Logger) {
        self.status = StatusBoard()
        self.store = store
        self.client = client
        self.metrics = metrics
        self.signal = signal
        self.settings = settings
        self.logger = logger
        CollectorMetrics.register(metrics)
    }

    /// Runs until the MQTT client is stopped (its streams end).
    public func run() async {
        countOfflineGateways()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.followConnection() }
            group.addTask {
                for await batch in self.client.messages.batches {
                    var alarms: [MQTTMessage] = [], telemetry: [MQTTMessage] = []
                    telemetry.reserveCapacity(batch.count)
                    for m in batch {
                        if m.topic.hasSuffix("/telemetry") { telemetry.append(m) } else { alarms.append(m) }
                    }
                    self.alarms.append(alarms)
                    self.telemetry.append(telemetry)
                    await self.alarms.waitForRoom()
                    await self.telemetry.waitForRoom()
                }
                self.alarms.finish()
                self.telemetry.finish()
            }
            group.addTask { await self.storeLoop(self.alarms) }
            group.addTask { await self.validateLoop(self.telemetry, into: self.validTelemetry) }
            group.addTask { await self.commitLoop(self.validTelemetry) }
        }
    }

    /// Subscribes on every connect: a persistent session keeps subscriptions,
    /// but a broker that lost its state (restart without persistence) does not.
    private func followConnection() async {
        for await event in client.connectionEvents {
            switch event {
            case .connected:
                _ = status.setHearing(true)
                metrics.set(CollectorMetrics.connected, to: 1)
                signal.fire()  // the feed says so
                logger.info("connected to the MQTT broker", metadata: ["broker": "\(client.configuration.host):\(client.configuration.port)"])
                for filter in Topics.collectorSubscriptions(shareGroup: settings.shareGroup) {
                    do {
                        try await client.subscribe(filter, qos: .atLeastOnce)
                    } catch {
                        logger.error("subscribe failed", metadata: ["filter": "\(filter)", "error": "\(error)"])
                    }
                }
            case .connectFailed(let rc), .disconnected(let rc):
                _ = status.setHearing(false)
                metrics.set(CollectorMetrics.connected, to: 0)
                signal.fire()
                if rc != 0 { logger.warning("MQTT connection down; libmosquitto reconnects", metadata: ["code": "\(rc)"]) }
            }
        }
    }

    /// Alarms and statuses: validated and committed batch by batch, on
    /// Swift's cooperative pool; they are few and small.
    private func storeLoop(_ queue: WorkQueue<MQTTMessage>) async {
        for await _ in queue.wakeups {
            while true {
                let batch = queue.take(max: settings.maxBatch)
                if batch.isEmpty { break }
                var unreadable: Set<Topics> = []
                let valid = validate(batch) { unreadable.insert($0) }
                if !unreadable.isEmpty { noteUnreadable(unreadable) }
                for chunk in Self.transactions(valid, readingsPerCommit: settings.readingsPerCommit) {
                    if let outcome = store(chunk) {
                        // The next alarm does not wait for the broker to take these acks.
                        Task { await self.acknowledge(outcome) }
                    } else if chunk.contains(where: { if case .status = $0.message { true } else { false } }) {
                        askForStatusesAgain()
                    }
                }
            }
        }
    }

    /// Telemetry, first stage: validated a little at a time, while the batch
    /// before commits (`commitLoop`), so the two overlap on two cores.
    private func validateLoop(_ queue: WorkQueue<MQTTMessage>, into valid: WorkQueue<ReceivedMessage>) async {
        for await _ in queue.wakeups {
            while true {
                let batch = queue.take(max: 100)
                if batch.isEmpty { break }
                valid.append(validate(batch))
                await valid.waitForRoom()
                await Task.yield()  // the alarm lane shares the cooperative pool
            }
        }
        valid.finish()
    }

    /// Telemetry, second stage: commits on `committer`, a thread of its own,
    /// so a commit waiting for the disk or the write lock holds none of the
    /// cooperative pool's threads, which the alarm lane needs. What waits is
    /// committed in transactions of `readingsPerCommit` (alarms get the write
    /// lock between them) of which only the last waits for the disk: one fsync
    /// makes all of them durable, and then all are acknowledged. Acks go out
    /// on their own: the next commit does not wait for the broker to take them.
    private func commitLoop(_ queue: WorkQueue<ReceivedMessage>) async {
        for await _ in queue.wakeups {
            while true {
                let batch = queue.take(max: settings.maxBatch)
                if batch.isEmpty { break }
                let chunks = Self.transactions(batch, readingsPerCommit: settings.readingsPerCommit)
                var committed = EventStore.CommitOutcome()
                for (k, chunk) in chunks.enumerated() {
                    let durability: EventStore.Durability = k == chunks.count - 1 ? .closing : .deferred
                    let outcome = await withCheckedContinuation { done in
                        committer.async { done.resume(returning: self.store(chunk, durability)) }
                    }
                    if let outcome {
                        committed.add(outcome)
                    } else if durability == .closing {
                        // The ones before are stored but may not be on disk: not acknowledged, the
                        // gateways resend them, and the resends are acknowledged as duplicates.
                        committed = EventStore.CommitOutcome()
                    }
                }
                if !committed.acks.isEmpty { Task { [committed] in await self.acknowledge(committed) } }
            }
        }
    }

    /// `unreadable`: the gateway of each refused message on an alarm topic.
    func validate(_ batch: [MQTTMessage], unreadable: (Topics) -> Void = { _ in }) -> [ReceivedMessage] {
        metrics.increment(CollectorMetrics.received, by: Double(batch.count))
        var valid: [ReceivedMessage] = []
        valid.reserveCapacity(batch.count)
        for m in batch {
            do {
                let (site, gateway, message) = try IncomingMessage.decodeWithOrigin(topic: m.topic, payload: m.payload,
                                                                                     limit: settings.messageLimit)
                valid.append(ReceivedMessage(topics: try Topics(site: site, gateway: gateway), message: message, raw: m.payload))
            } catch {
                metrics.increment(CollectorMetrics.rejected, labels: ["kind": error.kind])
                logger.warning("refused a message", metadata: ["topic": "\(m.topic)", "kind": "\(error.kind)", "why": "\(error)"])
                if let (site, gateway, kind) = Topics.parse(m.topic), kind == "events", let topics = try? Topics(site: site, gateway: gateway) {
                    unreadable(topics)
                }
            }
        }
        return valid
    }

    /// Splits validated messages into transactions of at most `readingsPerCommit`
    /// telemetry readings (a larger message alone), so the write lock is never
    /// held long while an alarm waits for it.
    static func transactions(_ messages: [ReceivedMessage], readingsPerCommit: Int) -> [[ReceivedMessage]] {
        var out: [[ReceivedMessage]] = [], current: [ReceivedMessage] = [], readings = 0
        for m in messages {
            let n = if case .telemetry(let e) = m.message { e.readings.count } else { 0 }
            if !current.isEmpty, readings + n > readingsPerCommit {
                out.append(current)
                current = []
                readings = 0
            }
            current.append(m)
            readings += n
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    /// Commits a chunk; nil when the database refused it (nothing is acknowledged then).
    private func store(_ valid: [ReceivedMessage], _ durability: EventStore.Durability = .durable) -> EventStore.CommitOutcome? {
        let outcome: EventStore.CommitOutcome
        do {
            outcome = try store.commit(valid, receivedMs: WallClock.nowMs(), durability: durability)
        } catch {
            metrics.increment(CollectorMetrics.storeErrors)
            noteStoring(false)
            logger.error("could not store a batch; nothing acknowledged, the gateways will resend",
                         metadata: ["messages": "\(valid.count)", "error": "\(error)"])
            return nil
        }
        noteStoring(true)
        metrics.increment(CollectorMetrics.batches)
        metrics.increment(CollectorMetrics.stored, labels: ["kind": "alarm"], by: Double(outcome.storedAlarms))
        metrics.increment(CollectorMetrics.stored, labels: ["kind": "reading"], by: Double(outcome.storedReadings))
        metrics.increment(CollectorMetrics.duplicates, by: Double(outcome.duplicates))
        for (topic, timeMs) in outcome.implausibleTimes {
            metrics.increment(CollectorMetrics.implausibleTimes)
            logger.warning("an alarm's time is implausible; its alert takes the collector's clock (check the gateway's)",
                           metadata: ["topic": "\(topic)", "time_ms": "\(timeMs)"])
        }
        // The gauge first: whoever hears of the alert on the feed finds it counted.
        if outcome.gatewaysChanged { countOfflineGateways() }
        if outcome.alertChanges > 0 { signal.fire() }
        return outcome
    }

    /// An alarm the collector cannot read is an alarm nobody sees: its
    /// gateway's alert says so on the feed (``AlertBook/unreadableAlarm``).
    private func noteUnreadable(_ unreadable: Set<Topics>) {
        do {
            if try store.noteUnreadable(unreadable, receivedMs: WallClock.nowMs()) { signal.fire() }
        } catch {
            metrics.increment(CollectorMetrics.storeErrors)
            noteStoring(false)
            logger.error("could not store the alert for an unreadable alarm", metadata: ["error": "\(error)"])
        }
    }

    /// A gateway's status is not in its outbox: one the database refused
    /// would be lost, and a gateway that died meanwhile would never be an
    /// alert. Its last state is retained by the broker, which sends it again
    /// to a new subscription; so the collector subscribes to the status
    /// topics anew after `statusRetry`, and again after each refusal, until
    /// the database takes them. While nothing else arrives, these retries are
    /// also what finds the database writable again.
    private func askForStatusesAgain() {
        guard !statusRetryPending.exchange(true, ordering: .acquiringAndReleasing) else { return }
        Task {
            try? await Task.sleep(for: settings.statusRetry)
            statusRetryPending.store(false, ordering: .releasing)
            for filter in Topics.collectorSubscriptions(shareGroup: settings.shareGroup) where filter.hasSuffix("/status") {
                do {
                    try await client.subscribe(filter, qos: .atLeastOnce)
                } catch {
                    logger.warning("could not ask the broker for the gateways' statuses again", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    /// Whether the last commit succeeded, on the status board and in `canary_collector_storing`;
    /// a change wakes the alert feed, which says so.
    private func noteStoring(_ ok: Bool) {
        metrics.set(CollectorMetrics.storing, to: ok ? 1 : 0)
        if status.setStoring(ok) { signal.fire() }
    }

    /// For `canary_collector_gateways_offline`: at start, and when a gateway's state changes.
    private func countOfflineGateways() {
        guard let gateways = try? store.gateways() else { return }
        metrics.set(CollectorMetrics.gatewaysOffline, to: Double(gateways.count { $0.state == "offline" }))
    }

    private func acknowledge(_ outcome: EventStore.CommitOutcome) async {
        await withTaskGroup(of: Void.self) { group in
            for (topics, ids) in outcome.acks {
                group.addTask { await self.acknowledge(ids, to: topics) }
            }
        }
    }

    private func acknowledge(_ ids: [String], to topics: Topics) async {
        let ack = CloudEvent(id: "ack-\(UUID().uuidString.lowercased())", source: "canary-collector", type: EventTypes.ack,
                             timeMs: WallClock.nowMs(), data: Ack(ids: ids))
        do {
            try await client.publish(topic: topics.ack, payload: [UInt8](ack.json()), qos: .atLeastOnce)
            metrics.increment(CollectorMetrics.acked, by: Double(ids.count))
        } catch {
            // The gateway resends what stays unacknowledged, and the resend is acknowledged again.
            metrics.increment(CollectorMetrics.ackFailures)
            logger.warning("could not send an ack", metadata: ["topic": "\(topics.ack)", "error": "\(error)"])
        }
    }
}

/// The collector's metric names, in one place.
public enum CollectorMetrics {
    public static let received = "canary_collector_messages_received_total"
    public static let rejected = "canary_collector_messages_rejected_total"
    public static let stored = "canary_collector_stored_total"
    public static let duplicates = "canary_collector_duplicates_total"
    public static let acked = "canary_collector_acknowledged_ids_total"
    public static let ackFailures = "canary_collector_ack_failures_total"
    public static let storeErrors = "canary_collector_store_errors_total"
    public static let checkpointFailures = "canary_collector_checkpoint_failures_total"
    public static let batches = "canary_collector_commits_total"
    public static let connected = "canary_collector_mqtt_connected"
    public static let storing = "canary_collector_storing"
    public static let gatewaysOffline = "canary_collector_gateways_offline"
    public static let sseClients = "canary_collector_sse_clients"
    public static let httpErrors = "canary_collector_http_errors_total"
    public static let escalations = "canary_collector_alerts_escalated_total"
    public static let implausibleTimes = "canary_collector_implausible_event_times_total"
    public static let connectionsRefused = "canary_collector_http_connections_refused_total"

    static func register(_ m: MetricsRegistry) {
        m.register(received, .counter, help: "MQTT messages received.")
        m.register(rejected, .counter, help: "Messages refused by validation, by kind.")
        m.register(stored, .counter, help: "Alarm events and telemetry readings stored.")
        m.register(duplicates, .counter, help: "Messages already stored (acknowledged again).")
        m.register(implausibleTimes, .counter, help: "Alarms whose own time was more than 5 min ahead of or 30 days behind the collector's clock.")
        m.register(acked, .counter, help: "Event ids acknowledged to gateways.")
        m.register(ackFailures, .counter, help: "Acks that could not be published.")
        m.register(storeErrors, .counter, help: "Batches the database refused (nothing acknowledged).")
        m.register(checkpointFailures, .counter, help: "WAL checkpoints that failed (the WAL grows until one succeeds).")
        m.register(batches, .counter, help: "Transactions committed.")
        m.register(connected, .gauge, help: "1 while connected to the MQTT broker.")
        m.register(storing, .gauge, help: "1 while the last commit succeeded; 0 after a failed one (nothing new is shown or acknowledged).")
        m.set(storing, to: 1)
        m.register(gatewaysOffline, .gauge, help: "Gateways whose last status is offline (each has an open alert).")
        m.register(sseClients, .gauge, help: "Clients on the alert stream.")
        m.register(escalations, .counter, help: "Open alerts that nobody acknowledged within alerts.escalate_after.")
    }
}
