import DaemonSupport
import Logging
import MQTT
import ServiceLifecycle
import Wire

/// The collector's connection to the broker: starts the MQTT client,
/// subscribes on every connect (a persistent session keeps subscriptions,
/// but a broker that lost its state does not), keeps the status board's
/// `hearing`, and at shutdown — last of the ingest's services — disconnects.
struct BrokerSession: Service {
    let client: MQTTClient
    let status: StatusBoard
    let metrics: CollectorMetrics
    let shareGroup: String?
    let statusRetry: Duration
    let logger: Logger
    private let statusRequests: AsyncStream<Void>
    private let requestStatuses: AsyncStream<Void>.Continuation

    init(client: MQTTClient, status: StatusBoard, metrics: CollectorMetrics, shareGroup: String?, statusRetry: Duration, logger: Logger) {
        self.client = client
        self.status = status
        self.metrics = metrics
        self.shareGroup = shareGroup
        self.statusRetry = statusRetry
        self.logger = logger
        (statusRequests, requestStatuses) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func run() async throws {
        try client.start()
        await withDiscardingTaskGroup { group in
            // Ends when the client stops.
            group.addTask { await followConnection() }
            group.addTask { await cancelWhenGracefulShutdown { await resubscribeToStatuses() } }
            try? await gracefulShutdown()
            await client.stop()
        }
    }

    /// A gateway's status is not in its outbox: one the database refused
    /// would be lost, and a gateway that died meanwhile would never be an
    /// alert. Its last state is retained by the broker, which sends it again
    /// to a new subscription; so the collector subscribes to the status
    /// topics anew after `statusRetry`, and again after each refusal, until
    /// the database takes them. While nothing else arrives, these retries are
    /// also what finds the database writable again. Requests coalesce.
    func askForStatusesAgain() { requestStatuses.yield() }

    private func resubscribeToStatuses() async {
        for await _ in statusRequests {
            guard (try? await Task.sleep(for: statusRetry)) != nil else { return }
            for filter in Topics.collectorSubscriptions(shareGroup: shareGroup) where filter.hasSuffix("/status") {
                do {
                    try await client.subscribe(filter, qos: .atLeastOnce)
                } catch {
                    logger.warning("could not ask the broker for the gateways' statuses again", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    private func followConnection() async {
        for await event in client.connectionEvents {
            switch event {
            case .connected:
                status.setHearing(true)
                metrics.connected.set(1.0)
                logger.info("connected to the MQTT broker", metadata: ["broker": "\(client.configuration.host):\(client.configuration.port)"])
                for filter in Topics.collectorSubscriptions(shareGroup: shareGroup) {
                    do {
                        try await client.subscribe(filter, qos: .atLeastOnce)
                    } catch {
                        logger.error("subscribe failed", metadata: ["filter": "\(filter)", "error": "\(error)"])
                    }
                }
            case .connectFailed(let rc), .disconnected(let rc):
                status.setHearing(false)
                metrics.connected.set(0.0)
                if rc != 0 { logger.warning("MQTT connection down; libmosquitto reconnects", metadata: ["code": "\(rc)"]) }
            }
        }
    }
}
