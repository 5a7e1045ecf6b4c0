import Dispatch
import Logging
import Wire

/// Encodes telemetry and writes it to the outbox (a blocking SQLite commit)
/// on a queue of its own, off Swift's cooperative pool (a thread per core),
/// so the detection loop and the alarm publisher never wait behind it for a
/// thread. A batch the outbox refuses is counted and logged: telemetry is
/// lost then, alarms never (``Uplink/raise(_:nowMs:)``).
struct TelemetryWriter: Sendable {
    let uplink: Uplink
    let perMessage: Int
    let clock: AgentClock
    let counters: AgentCounters
    let logger: Logger
    /// Wakes the publisher once a batch is in the outbox.
    let kick: AsyncStream<Void>.Continuation
    private let queue = DispatchQueue(label: "canary-agent.telemetry", qos: .utility)

    init(
        uplink: Uplink, perMessage: Int, clock: AgentClock, counters: AgentCounters, logger: Logger,
        kick: AsyncStream<Void>.Continuation
    ) {
        self.uplink = uplink
        self.perMessage = perMessage
        self.clock = clock
        self.counters = counters
        self.logger = logger
        self.kick = kick
    }

    /// Queues `readings`; returns at once.
    func write(_ readings: [TelemetryBatch.Reading]) {
        queue.async {
            do {
                try uplink.enqueue(readings: readings, nowMs: clock.nowMs(), perMessage: perMessage)
            } catch {
                counters.telemetryNotWritten.add(readings.count, ordering: .relaxed)
                logger.error("cannot write telemetry to the outbox", metadata: ["error": "\(error)"])
            }
            kick.yield()
        }
    }

    /// Returns when everything queued before it is written.
    func flush() async {
        await withCheckedContinuation { done in queue.async { done.resume() } }
    }
}
