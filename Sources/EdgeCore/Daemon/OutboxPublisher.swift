import Logging
import ServiceLifecycle

/// Publishes from the outbox what is due (``Uplink/publishDue(nowMs:alarmsOnly:)``)
/// whenever it is kicked. The agent runs two: one for alarms alone, kicked
/// the moment one is raised, so an alarm never waits behind a second of
/// telemetry in flight; and one for everything, kicked by new telemetry, a
/// connect, and every second for the resends that fall due.
struct OutboxPublisher: Service {
    let uplink: Uplink
    let alarmsOnly: Bool
    let kicks: AsyncStream<Void>
    /// For the general publisher: its once-a-second kick.
    let tick: AsyncStream<Void>.Continuation?
    let clock: AgentClock
    let logger: Logger

    func run() async {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                if let tick {
                    group.addTask {
                        while (try? await Task.sleep(for: .seconds(1))) != nil { tick.yield() }
                    }
                }
                for await _ in kicks {
                    do {
                        try await uplink.publishDue(nowMs: clock.nowMs(), alarmsOnly: alarmsOnly)
                    } catch {
                        logger.error("cannot read the outbox", metadata: ["error": "\(error)"])
                    }
                }
                group.cancelAll()
            }
        }
    }
}
