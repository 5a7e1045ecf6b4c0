import Synchronization

/// What the detection service counts and the status line and the watchdog
/// read, shared between them.
final class AgentCounters: Sendable {
    private let latest = Mutex(AgentPipeline.Counters())
    /// Telemetry readings the outbox refused (a full disk, say): lost.
    let telemetryNotWritten = Atomic<Int>(0)
    /// The agent's time (``AgentClock``) of the last pipeline step.
    let lastProgressMs: Atomic<Int64>

    init(nowMs: Int64) { lastProgressMs = Atomic(nowMs) }

    var pipeline: AgentPipeline.Counters { latest.withLock { $0 } }
    func set(_ c: AgentPipeline.Counters) { latest.withLock { $0 = c } }
    func progressed(atMs ms: Int64) { lastProgressMs.store(ms, ordering: .relaxed) }
}
