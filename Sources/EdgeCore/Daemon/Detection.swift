import Logging
import RiskCore
import ServiceLifecycle

/// Runs the BLE source through the detection pipeline: alarms are raised
/// through the uplink at once (sent, then written to the outbox), telemetry
/// goes to the ``TelemetryWriter``. When a finite source (a scenario, a
/// capture) ends, it waits until the collector has acknowledged everything in
/// the outbox and then returns, which shuts the agent down. A shutdown
/// (SIGTERM) stops it at once: what is unacknowledged stays in the outbox
/// for the next start.
struct Detection: Service {
    let source: any BLESource
    let links: GATTLinks?
    let directory: SiteDirectory
    let telemetryPerMessage: Int
    let uplink: Uplink
    let telemetry: TelemetryWriter
    let counters: AgentCounters
    let clock: AgentClock
    let logger: Logger
    /// Wakes the alarm publisher.
    let alarmKick: AsyncStream<Void>.Continuation
    /// A tick per ack from the collector (``AckListener``).
    let acks: AsyncStream<Void>
    /// Each alarm as it is raised, besides the outbox (the demo prints them).
    let onEvent: @Sendable (SafetyEvent) -> Void

    func run() async {
        await cancelWhenGracefulShutdown {
            await detect()
            await telemetry.flush()
            logger.info("the source has ended; waiting for the collector to acknowledge what is in the outbox")
            var acksLeft = acks.makeAsyncIterator()
            while let s = try? uplink.outbox.stats(), s.alarms + s.telemetry + uplink.heldAlarms > 0 {
                guard await acksLeft.next() != nil else { break }
                counters.progressed(atMs: clock.nowMs())
            }
        }
    }

    private func detect() async {
        var pipeline = AgentPipeline(directory: directory)
        await pipeline.run(
            source, telemetryEvery: telemetryPerMessage,
            emit: { events in
                counters.progressed(atMs: clock.nowMs())
                guard !events.isEmpty else { return }
                links?.note(events)
                do {
                    try uplink.raise(events, nowMs: clock.nowMs())
                } catch {
                    // Still raised here (log and onEvent), and sent from memory until acknowledged.
                    logger.critical("cannot write alarms to the outbox; held in memory and sent all the same", metadata: ["error": "\(error)"])
                }
                alarmKick.yield()
                for e in events {
                    onEvent(e)
                    logger.notice("alarm", metadata: ["id": "\(e.id)", "worker": "\(e.worker)", "severity": "\(e.severity.rawValue)"])
                }
            },
            telemetry: { readings in
                if !readings.isEmpty { telemetry.write(readings) }
            }, counted: counters.set)
        logger.info("source ended", metadata: pipeline.counters.metadata)
    }
}
