import DaemonSupport
import Logging
import MQTT
import Wire

/// What both lanes do with a batch: validate it, split it into transactions,
/// commit them, and count and log the outcome. A commit the database refuses
/// sets the status board's `storing` to false (the feed says so) and returns
/// nil: nothing of it is acknowledged.
struct BatchCommitter: Sendable {
    let store: any CollectorStore
    let metrics: CollectorMetrics
    let status: StatusBoard
    let settings: Ingest.Settings
    let clocks: GatewayClocks
    let newWorkers: NewWorkerBudget
    let logger: Logger

    /// `unreadable`: the gateway of each refused message on an alarm topic.
    func validate(_ batch: [MQTTMessage], unreadable: (Topics) -> Void = { _ in }) -> [ReceivedMessage] {
        metrics.received.increment(by: Int64(batch.count))
        var valid: [ReceivedMessage] = []
        valid.reserveCapacity(batch.count)
        // Each gateway's newest time in the batch, for its clock's offset (``GatewayClocks``).
        let receivedMs = WallClock.nowMs()
        var newest: [Topics: Int64] = [:]
        // The workers each gateway's telemetry names, for its budget of new ones (``NewWorkerBudget``).
        var named: [Topics: Set<String>] = [:]
        for m in batch {
            do {
                let (site, gateway, message) = try IncomingMessage.decodeWithOrigin(
                    topic: m.topic, payload: m.payload,
                    limit: settings.messageLimit)
                let topics = try Topics(site: site, gateway: gateway)
                let timeMs: Int64? =
                    switch message {
                    case .alarm(let e): e.data.time_ms
                    case .telemetry(let e): TelemetrySpan.of(e, receivedMs: receivedMs).lastMs
                    case .status: nil
                    }
                if let timeMs, AlertBook.isPlausible(timeMs, receivedMs: receivedMs) { newest[topics] = max(newest[topics] ?? .min, timeMs) }
                if case .telemetry(let e) = message { for r in e.readings { named[topics, default: []].insert(r.worker) } }
                valid.append(ReceivedMessage(topics: topics, message: message, raw: m.payload))
            } catch {
                metrics.rejected(kind: error.kind).increment()
                logger.warning("refused a message", metadata: ["topic": "\(m.topic)", "kind": "\(error.kind)", "why": "\(error)"])
                if let (site, gateway, kind) = Topics.parse(m.topic), kind == "events", let topics = try? Topics(site: site, gateway: gateway) {
                    unreadable(topics)
                }
            }
        }
        // An alarm is timed by its gateway's offset with the alarm itself counted in.
        let offsets = clocks.observe(newest, receivedMs: receivedMs)
        let unlisted = newWorkers.overBudget(named, nowMs: receivedMs)
        for (topics, workers) in unlisted {
            metrics.workersUnlisted.increment(by: Int64(workers.count))
            logger.warning(
                "a gateway named more new workers than it may list; their readings are stored, the workers not listed",
                metadata: ["site": "\(topics.site)", "gateway": "\(topics.gateway)", "unlisted": "\(workers.count)"])
        }
        for i in valid.indices {
            switch valid[i].message {
            case .alarm: valid[i].clockOffsetMs = offsets[valid[i].topics]
            case .telemetry: valid[i].unlisted = unlisted[valid[i].topics] ?? []
            case .status: break
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
    func commit(_ valid: [ReceivedMessage], _ durability: CommitDurability = .durable) async -> CommitOutcome? {
        let outcome: CommitOutcome
        do {
            outcome = try await store.commit(valid, receivedMs: WallClock.nowMs(), durability: durability)
        } catch {
            metrics.storeErrors.increment()
            noteStoring(false)
            logger.error(
                "could not store a batch; nothing acknowledged, the gateways will resend",
                metadata: ["messages": "\(valid.count)", "error": "\(error)"])
            return nil
        }
        noteStoring(true)
        metrics.commits.increment()
        metrics.storedAlarms.increment(by: Int64(outcome.storedAlarms))
        metrics.storedReadings.increment(by: Int64(outcome.storedReadings))
        metrics.duplicates.increment(by: Int64(outcome.duplicates))
        for (topic, timeMs) in outcome.implausibleTimes {
            metrics.implausibleTimes.increment()
            logger.warning(
                "an alarm's time is implausible; its alert takes the collector's clock (check the gateway's clock)",
                metadata: ["topic": "\(topic)", "time_ms": "\(timeMs)"])
        }
        return outcome
    }

    /// An alarm the collector cannot read is an alarm nobody sees: its
    /// gateway's alert says so on the feed (``AlertBook/unreadableAlarm``).
    func noteUnreadable(_ unreadable: Set<Topics>) async {
        do {
            _ = try await store.noteUnreadable(unreadable, receivedMs: WallClock.nowMs())
        } catch {
            metrics.storeErrors.increment()
            noteStoring(false)
            logger.error("could not store the alert for an unreadable alarm", metadata: ["error": "\(error)"])
        }
    }

    /// Whether the last commit succeeded, on the status board and in `canary_collector_storing`.
    private func noteStoring(_ ok: Bool) {
        metrics.storing.set(ok ? 1.0 : 0.0)
        status.setStoring(ok)
    }
}
