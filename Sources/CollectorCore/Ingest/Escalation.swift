import DaemonSupport
import Logging
import ServiceLifecycle

/// Escalates open alerts that nobody acknowledged within `alerts.escalate_after`
/// (``CollectorStore/escalate(nowMs:afterMs:)``), checking every second: each is a
/// change on the feed (the dashboard sounds again), an error in the log and a
/// count in `canary_collector_alerts_escalated_total`, for whoever watches those.
struct EscalationService: Service {
    let store: any CollectorStore
    let metrics: CollectorMetrics
    let afterMs: Int64
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await check(nowMs: WallClock.nowMs())
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    func check(nowMs: Int64) async {
        do {
            let escalated = try await store.escalate(nowMs: nowMs, afterMs: afterMs)
            guard !escalated.isEmpty else { return }
            metrics.escalations.increment(by: Int64(escalated.count))
            for alert in escalated {
                logger.error("alert escalated: open and not acknowledged", metadata: ["alert": "\(alert)", "after_ms": "\(afterMs)"])
            }
        } catch {
            // The database refuses writes: storing says so; the next second tries again.
            logger.warning("could not check for alerts to escalate", metadata: ["error": "\(error)"])
        }
    }
}
