import DaemonSupport
import Foundation
import Logging
import MQTT
import ServiceLifecycle
import Wire

/// Publishes the acks of committed messages, one per gateway, each on its
/// own: the lanes hand an outcome over and go on, so the next commit does
/// not wait for the broker to take the acks before it. An ack that cannot be
/// sent is counted; the gateway resends what stays unacknowledged, and the
/// resend is acknowledged as a duplicate. At shutdown it sends what the
/// lanes handed over before the MQTT client disconnects.
struct Acker: Service {
    let client: MQTTClient
    let metrics: CollectorMetrics
    let logger: Logger
    private let outcomes: AsyncStream<CommitOutcome>
    private let handOver: AsyncStream<CommitOutcome>.Continuation

    init(client: MQTTClient, metrics: CollectorMetrics, logger: Logger) {
        self.client = client
        self.metrics = metrics
        self.logger = logger
        (outcomes, handOver) = AsyncStream.makeStream()
    }

    /// Queues the acks of `outcome`; returns at once.
    func acknowledge(_ outcome: CommitOutcome) {
        if !outcome.acks.isEmpty { handOver.yield(outcome) }
    }

    func run() async {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for await outcome in outcomes {
                    for (topics, ids) in outcome.acks {
                        group.addTask { await send(ids, to: topics) }
                    }
                }
            }
        } onGracefulShutdown: {
            handOver.finish()
        }
    }

    private func send(_ ids: [String], to topics: Topics) async {
        let ack = CloudEvent(
            id: "ack-\(UUID().uuidString.lowercased())", source: "canary-collector", type: EventTypes.ack,
            timeMs: WallClock.nowMs(), data: Ack(ids: ids))
        do {
            try await client.publish(topic: topics.ack, payload: [UInt8](ack.json()), qos: .atLeastOnce)
            metrics.acked.increment(by: Int64(ids.count))
        } catch {
            metrics.ackFailures.increment()
            logger.warning("could not send an ack", metadata: ["topic": "\(topics.ack)", "error": "\(error)"])
        }
    }
}
