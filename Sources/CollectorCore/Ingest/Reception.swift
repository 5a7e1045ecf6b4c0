import MQTT
import ServiceLifecycle

/// Takes what the broker delivers, as it comes, and routes each message to
/// its lane: telemetry to the telemetry lane, the rest (alarms, statuses) to
/// the alarm lane. When a lane is full it waits, the MQTT client's inbox
/// fills, and libmosquitto stops reading: the broker keeps the rest
/// (backpressure, not loss). First to stop at shutdown.
struct Reception: Service {
    let messages: MQTTMessages
    let alarms: WorkQueue<MQTTMessage>
    let telemetry: WorkQueue<MQTTMessage>

    func run() async {
        await cancelWhenGracefulShutdown {
            for await batch in messages.batches {
                var alarms: [MQTTMessage] = [], telemetry: [MQTTMessage] = []
                telemetry.reserveCapacity(batch.count)
                for m in batch {
                    if m.topic.hasSuffix("/telemetry") { telemetry.append(m) } else { alarms.append(m) }
                }
                self.alarms.append(alarms)
                self.telemetry.append(telemetry)
                await self.alarms.waitForRoom()
                await self.telemetry.waitForRoom()
            }
        }
    }
}
