import MQTT
import Synchronization

/// Between the MQTT receive stream and the store: messages pile up while a
/// commit runs, and the next commit takes them all as one batch, so the batch
/// size follows the load (one message when idle, thousands under a burst).
final class MessageQueue: Sendable {
    private let pending = Mutex<[MQTTMessage]>([])
    private let wake: AsyncStream<Void>.Continuation
    let wakeups: AsyncStream<Void>

    init() {
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func append(_ m: MQTTMessage) {
        pending.withLock { $0.append(m) }
        wake.yield()
    }

    func take(max: Int) -> [MQTTMessage] {
        pending.withLock { p in
            let n = min(max, p.count)
            defer { p.removeFirst(n) }
            return Array(p.prefix(n))
        }
    }

    func finish() { wake.finish() }
}
