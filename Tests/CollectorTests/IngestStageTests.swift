import Synchronization
import Testing
import Wire

@testable import CollectorCore

/// The ingest's stages: telemetry split into transactions of bounded
/// readings, and the queue between stages that holds a feeder while it is full.
@Suite struct IngestTransactionTests {
    @Test func telemetryIsCommittedInTransactionsOfBoundedReadings() throws {
        let topics = try Topics(site: "s", gateway: "g")
        func telemetry(_ n: Int) -> ReceivedMessage {
            let readings = (0..<n).map { TelemetryBatch.Reading(worker: "w", device: "d", kind: "gas", time_ms: Int64($0), values: [:]) }
            let e = CloudEvent(id: "t\(n)", source: topics.source, type: EventTypes.telemetry, timeMs: 0, data: TelemetryBatch(readings: readings))
            return ReceivedMessage(topics: topics, message: .telemetry(TelemetryMessage(e)), raw: [])
        }
        let chunks = BatchCommitter.transactions(
            [telemetry(150), telemetry(100), telemetry(500), telemetry(10), telemetry(20)], readingsPerCommit: 200)
        // 150 | 100 | 500 alone (over the bound by itself) | 10 + 20
        #expect(
            chunks.map { $0.map { m in if case .telemetry(let e) = m.message { e.readings.count } else { 0 } } }
                == [[150], [100], [500], [10, 20]])
    }
}

@Suite struct WorkQueueTests {
    /// A full queue holds its feeder until the next stage takes a batch; one with room does not.
    /// (A `waitForRoom` that never waits fails here: its feeder is never seen waiting.)
    @Test func aFullQueueHoldsItsFeederUntilItemsAreTaken() async throws {
        let q = WorkQueue<Int>(capacity: 2)
        q.append([1])
        await q.waitForRoom()
        #expect(q.waitingFeeders == 0, "room: no wait")
        q.append([2, 3])
        final class Flag: Sendable { let value = Atomic<Bool>(false) }
        let fed = Flag()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                await q.waitForRoom()
                fed.value.store(true, ordering: .sequentiallyConsistent)
            }
            // Bounded: the feeder suspends within a few scheduling turns.
            for _ in 0..<10_000 where q.waitingFeeders == 0 { await Task.yield() }
            #expect(q.waitingFeeders == 1 && !fed.value.load(ordering: .sequentiallyConsistent), "full: the feeder waits")
            #expect(q.take(max: 2) == [1, 2])
            try await group.waitForAll()
        }
        #expect(fed.value.load(ordering: .sequentiallyConsistent) && q.waitingFeeders == 0, "taken: the feeder goes on")
        #expect(q.take(max: 10) == [3])
    }
}
