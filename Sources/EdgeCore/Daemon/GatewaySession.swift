import Logging
import MQTT
import ServiceLifecycle
import Wire

/// The gateway's connection to the broker. Starts the MQTT client; on every
/// connect subscribes to the collector's acks, says `online` (retained), and
/// has the uplink send again what waits for an ack. At shutdown — last of
/// the agent's services — says `offline` itself (a clean disconnect does not
/// fire the last will) and disconnects.
struct GatewaySession: Service {
    let client: MQTTClient
    let uplink: Uplink
    let topics: Topics
    let clock: AgentClock
    let logger: Logger
    /// Wakes the publisher after a connect.
    let kick: AsyncStream<Void>.Continuation

    func run() async throws {
        try client.start()
        await withDiscardingTaskGroup { group in
            group.addTask { await followConnection() }  // ends when the client stops
            try? await gracefulShutdown()
            try? await client.publish(
                topic: topics.status, payload: Self.status(.offline, topics, clock, reason: GatewayStatus.stopped),
                qos: .atLeastOnce, retain: true)
            await client.stop()
        }
    }

    private func followConnection() async {
        for await event in client.connectionEvents {
            switch event {
            case .connected:
                logger.info("connected to the MQTT broker", metadata: ["broker": "\(client.configuration.host):\(client.configuration.port)"])
                do {
                    try await client.subscribe(topics.ack, qos: .atLeastOnce)
                    try await client.publish(topic: topics.status, payload: Self.status(.online, topics, clock), qos: .atLeastOnce, retain: true)
                } catch {
                    logger.warning("could not subscribe or announce online", metadata: ["error": "\(error)"])
                }
                await uplink.connectionRestored()
                kick.yield()
            case .connectFailed(let rc), .disconnected(let rc):
                if rc != 0 { logger.warning("MQTT connection down; the outbox keeps everything", metadata: ["code": "\(rc)"]) }
            }
        }
    }

    /// The gateway's status event, on the agent's clock like everything else it stamps.
    static func status(_ state: GatewayStatus.State, _ topics: Topics, _ clock: AgentClock, reason: String? = nil) -> [UInt8] {
        let now = clock.nowMs()
        return [UInt8](
            CloudEvent(
                id: "\(now)-status-\(state.rawValue)", source: topics.source, type: EventTypes.status, timeMs: now,
                data: GatewayStatus(state: state, version: "1", reason: reason)
            ).json())
    }
}
