import Synchronization

/// Between two stages of the ingest (receiving, validating, committing):
/// items pile up while the next stage works, and it then takes them all as
/// one batch, so the batch size follows the load (one item when idle,
/// thousands under a burst).
final class WorkQueue<Item: Sendable>: Sendable {
    private let pending = Mutex<[Item]>([])
    private let wake: AsyncStream<Void>.Continuation
    let wakeups: AsyncStream<Void>

    init() {
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func append(_ items: some Collection<Item>) {
        guard !items.isEmpty else { return }
        pending.withLock { $0.append(contentsOf: items) }
        wake.yield()
    }

    func take(max: Int) -> [Item] {
        pending.withLock { p in
            let n = min(max, p.count)
            defer { p.removeFirst(n) }
            return Array(p.prefix(n))
        }
    }

    func finish() { wake.finish() }
}
