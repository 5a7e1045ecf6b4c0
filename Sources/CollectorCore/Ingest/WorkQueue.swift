import Synchronization

/// Between two stages of the ingest (receiving, validating, committing):
/// items pile up while the next stage works, and it then takes them all as
/// one batch, so the batch size follows the load (one item when idle,
/// thousands under a burst). A stage that feeds one waits for room
/// (`waitForRoom`), so memory stays bounded and the pressure reaches the MQTT
/// client, which then stops reading: the broker keeps the rest.
final class WorkQueue<Item: Sendable>: Sendable {
    private struct State {
        var items: [Item] = []
        /// Items before it are taken: taking a few does not shift the rest.
        var head = 0
        var waiting: [CheckedContinuation<Void, Never>] = []

        var count: Int { items.count - head }
    }

    private let state = Mutex(State())
    private let wake: AsyncStream<Void>.Continuation
    let wakeups: AsyncStream<Void>
    /// Items held before `waitForRoom` suspends.
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func append(_ items: some Collection<Item>) {
        guard !items.isEmpty else { return }
        state.withLock { $0.items.append(contentsOf: items) }
        wake.yield()
    }

    /// Returns when fewer than `capacity` items wait; at once, without suspending, when they do.
    func waitForRoom() async {
        guard state.withLock({ $0.count >= capacity }) else { return }
        await withCheckedContinuation { c in
            let room = state.withLock { s in
                if s.count < capacity { return true }
                s.waiting.append(c)
                return false
            }
            if room { c.resume() }
        }
    }

    func take(max: Int) -> [Item] {
        let (batch, waiting) = state.withLock { s in
            let n = min(max, s.count)
            let batch = Array(s.items[s.head..<s.head + n])
            s.head += n
            if s.head == s.items.count {
                s.items.removeAll(keepingCapacity: true)
                s.head = 0
            } else if s.head * 2 >= s.items.count {
                s.items.removeFirst(s.head)
                s.head = 0
            }
            let waiting = s.count < capacity ? s.waiting : []
            if !waiting.isEmpty { s.waiting = [] }
            return (batch, waiting)
        }
        for c in waiting { c.resume() }
        return batch
    }

    /// Feeders suspended in `waitForRoom` (tests).
    var waitingFeeders: Int { state.withLock { $0.waiting.count } }

    func finish() { wake.finish() }
}
