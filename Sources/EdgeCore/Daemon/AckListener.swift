import Logging
import MQTT
import ServiceLifecycle
import Wire

/// Takes the collector's acks off `.../ack` and removes what they name from
/// the outbox; each ack is also a tick on `acks`, which the detection service
/// waits on while it drains the outbox before a finite source's exit.
struct AckListener: Service {
    let messages: MQTTMessages
    let uplink: Uplink
    let topics: Topics
    let logger: Logger
    let acks: AsyncStream<Void>.Continuation

    func run() async {
        await cancelWhenGracefulShutdown {
            for await m in messages where m.topic == topics.ack {
                do {
                    try await uplink.handleAck(m.payload)
                } catch {
                    logger.error("cannot remove acknowledged events from the outbox; they will go again", metadata: ["error": "\(error)"])
                }
                acks.yield()
            }
        }
        acks.finish()
    }
}
