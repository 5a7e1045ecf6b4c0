import MQTT
import ServiceLifecycle

/// Telemetry in two stages that overlap on two cores: validation, a little
/// at a time, while the batch before commits. A commit waiting for the disk
/// or the write lock holds none of the cooperative pool's threads, which the
/// alarm lane needs: the store waits off the pool (GRDB's writer queue,
/// PostgreSQL's event loop).
/// What waits is committed in transactions of `readingsPerCommit` (alarms
/// get the write lock between them) of which only the last waits for the
/// disk: one fsync makes all of them durable, and then all are acknowledged.
/// At shutdown it commits what it holds.
struct TelemetryLane: Service {
    let queue = WorkQueue<MQTTMessage>(capacity: MQTTClient.receiveCapacity)
    /// Validated, waiting for its commit.
    private let valid = WorkQueue<ReceivedMessage>(capacity: MQTTClient.receiveCapacity)
    let committer: BatchCommitter
    let acker: Acker
    let maxBatch: Int

    init(committer: BatchCommitter, acker: Acker, maxBatch: Int) {
        self.committer = committer
        self.acker = acker
        self.maxBatch = maxBatch
    }

    func run() async {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await validateLoop() }
                group.addTask { await commitLoop() }
            }
        } onGracefulShutdown: {
            queue.finish()
        }
    }

    private func validateLoop() async {
        for await _ in queue.wakeups {
            while case let batch = queue.take(max: 100), !batch.isEmpty {
                valid.append(committer.validate(batch))
                await valid.waitForRoom()
                await Task.yield()  // the alarm lane shares the cooperative pool
            }
        }
        valid.finish()
    }

    private func commitLoop() async {
        for await _ in valid.wakeups {
            while case let batch = valid.take(max: maxBatch), !batch.isEmpty {
                let chunks = BatchCommitter.transactions(batch, readingsPerCommit: committer.settings.readingsPerCommit)
                var committed = CommitOutcome()
                for (k, chunk) in chunks.enumerated() {
                    let durability: CommitDurability = k == chunks.count - 1 ? .closing : .deferred
                    if let outcome = await committer.commit(chunk, durability) {
                        committed.add(outcome)
                    } else if durability == .closing {
                        // The ones before are stored but may not be on disk: not acknowledged, the
                        // gateways resend them, and the resends are acknowledged as duplicates.
                        committed = CommitOutcome()
                    }
                }
                acker.acknowledge(committed)
            }
        }
    }
}
