import Synchronization

/// Wakes every waiting SSE client when alert changes are committed
/// (``AlertLogObserver``) or the collector's status changes. Carries no
/// data: the database is the feed, so a client that wakes reads what it has
/// not sent yet and nothing can be skipped or duplicated between wake-ups.
public final class ChangeSignal: Sendable {
    private let waiters = Mutex<[Int: AsyncStream<Void>.Continuation]>([:])
    private let nextID = Atomic<Int>(0)

    public init() {}

    /// A stream that yields once after each ``fire()`` (coalesced while the client is busy).
    public func subscribe() -> (stream: AsyncStream<Void>, cancel: @Sendable () -> Void) {
        let id = nextID.add(1, ordering: .relaxed).newValue
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        waiters.withLock { $0[id] = continuation }
        return (
            stream,
            { [weak self] in
                self?.waiters.withLock { _ = $0.removeValue(forKey: id) }
                continuation.finish()
            }
        )
    }

    public func fire() {
        for c in waiters.withLock({ Array($0.values) }) { c.yield() }
    }

    /// Fires every `interval`, so idle SSE streams send a keep-alive and notice departed clients.
    public func heartbeat(every interval: Duration) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            fire()
        }
    }

    public var count: Int { waiters.withLock { $0.count } }
}
