import MQTT
import ServiceLifecycle
import Wire

/// Alarms and gateway statuses: validated and committed batch by batch, each
/// commit waiting for the disk, on Swift's cooperative pool (they are few and
/// small), then handed to the ``Acker`` so the next alarm does not wait for
/// the broker to take the acks. At shutdown it commits what it holds.
struct AlarmLane: Service {
    let queue = WorkQueue<MQTTMessage>(capacity: MQTTClient.receiveCapacity)
    let committer: BatchCommitter
    let acker: Acker
    let session: BrokerSession
    let maxBatch: Int

    func run() async {
        await withGracefulShutdownHandler {
            for await _ in queue.wakeups {
                while case let batch = queue.take(max: maxBatch), !batch.isEmpty {
                    await store(batch)
                }
            }
        } onGracefulShutdown: {
            queue.finish()
        }
    }

    func store(_ batch: [MQTTMessage]) async {
        var unreadable: Set<Topics> = []
        let valid = committer.validate(batch) { unreadable.insert($0) }
        if !unreadable.isEmpty { await committer.noteUnreadable(unreadable) }
        for chunk in BatchCommitter.transactions(valid, readingsPerCommit: committer.settings.readingsPerCommit) {
            if let outcome = await committer.commit(chunk) {
                acker.acknowledge(outcome)
            } else if chunk.contains(where: { if case .status = $0.message { true } else { false } }) {
                session.askForStatusesAgain()
            }
        }
    }
}
